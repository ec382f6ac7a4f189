#!/usr/bin/env bash
# Issue 5's table in under three minutes, twice: with the app's GC settings for large tensors (the server GC, 64 MiB
# regions, a 32 MiB large-object threshold, in its runtimeconfig), then adding a 64 MiB gen0 budget (an
# environment-only setting), for comparison with runs before the app used the server GC.
set -e
project="$(dirname "$0")/Autograd.Benchmarks"
dotnet build -c Release "$project" > /dev/null
dotnet run -c Release --no-build --project "$project" -- --quick "$@"
echo
DOTNET_GCgen0size=0x4000000 dotnet run -c Release --no-build --project "$project" -- --quick "$@"
