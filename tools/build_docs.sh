#!/usr/bin/env bash
# Builds the API reference site into docs-site/ with docfx, a local dotnet tool pinned in .config/dotnet-tools.json.
# Not run by CI (about a minute). Extra arguments go to docfx, e.g. `tools/build_docs.sh --serve` to browse it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
dotnet tool restore
# docfx 2.81 skips C# 14 extension members (most ops) when it reads source, but documents them from compiled
# assemblies, where they are ordinary extension methods: so it reads the Release build and its XML docs.
# CopyLocalLockFileAssemblies copies System.Numerics.Tensors beside them, which docfx needs to resolve the references.
dotnet build Autograd.Ops/Autograd.Ops.csproj -c Release -o tools/docfx/obj/bin -p:CopyLocalLockFileAssemblies=true -v q -nologo
rm -rf tools/docfx/api docs-site
dotnet docfx tools/docfx/docfx.json "$@"
echo "API reference: $root/docs-site/index.html"
