#!/usr/bin/env bash
# Issue 14's table: AutogradMini and TorchSharp 0.107 side by side in one plain console process (runtime defaults),
# run N times (default 1) with the load average of each run. The first build restores TorchSharp-cpu, which brings
# libtorch (about 600 MB); the build then copies libLibTorchSharp.so into the output with its GLIBCXX_3.4.32
# requirement marked weak (tools/weaken_verneed.py), so it loads on Debian 12. Arguments after N select workloads.
set -e
project="$(dirname "$0")/SideBySide"
runs="${1:-1}"; shift || true
dotnet build -c Release "$project" > /dev/null
for ((i = 1; i <= runs; i++)); do
    dotnet run -c Release --no-build --project "$project" -- "$@"
    echo
done
