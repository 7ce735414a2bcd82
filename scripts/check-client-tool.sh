#!/usr/bin/env bash
# Packs Laevitas.Client as a .NET tool, installs it from that local package into a throw-away tool path, and runs
# `laevitas --help` from there: the README's `dotnet tool install` line, checked. Expects a Release build (./test.sh
# builds first); `--build` builds the client itself. Run by ClientToolPackageTests.
set -euo pipefail
cd "$(dirname "$0")/.."

build=--no-build
for argument in "$@"; do
  case "$argument" in
    --build) build= ;;
    *) echo "check-client-tool: unknown argument $argument" >&2; exit 2 ;;
  esac
done

work="$(mktemp -d "${TMPDIR:-/tmp}/laevitas-tool.XXXXXX")"
trap 'rm -rf "$work"' EXIT

dotnet pack Laevitas.Client -c Release $build --nologo -v quiet -o "$work/packages"
# The local folder is the only source: the check must not depend on (or reach) a package registry.
cat > "$work/nuget.config" <<'CONFIG'
<?xml version="1.0" encoding="utf-8"?>
<configuration><packageSources><clear /></packageSources></configuration>
CONFIG
dotnet tool install Laevitas.Client --tool-path "$work/tools" --add-source "$work/packages" --configfile "$work/nuget.config"

help="$("$work/tools/laevitas" --help)"
for command in instruments show watch stats history trades export; do
  if ! grep -q "$command" <<<"$help"; then
    echo "check-client-tool: 'laevitas --help' from the installed tool does not list '$command':" >&2
    echo "$help" >&2
    exit 1
  fi
done
echo "check-client-tool: laevitas installed from $(ls "$work/packages") runs: --help lists every command"
