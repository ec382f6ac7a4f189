#!/usr/bin/env bash
# Issue 5's table in under three minutes, with the GC settings recommended for large tensors: 64 MiB regions and a
# 32 MiB large-object threshold (in the app's runtimeconfig) and a 64 MiB gen0 budget (environment only).
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x4000000}"
exec dotnet run -c Release --project "$(dirname "$0")/Autograd.Benchmarks" -- --quick "$@"
