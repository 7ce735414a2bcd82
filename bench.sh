#!/usr/bin/env bash
# End-to-end benchmark: simulator → silo (its own process) → Kafka → PostgreSQL, against raw COPY and raw
# produce+consume baselines. Writes bench/results.md and bench/results.png. Takes about fifteen minutes; run it on a
# quiet machine. Arguments go to the bench (e.g. --kafka host:port for a real broker, --window 30); the list:
#   dotnet run -c Release --project bench/Laevitas.Bench   (prints every command and option)
# Not part of the test suite.
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh
# The plot needs a font; minimal images have none.
if ! compgen -G "/usr/share/fonts/truetype/*/*.ttf" >/dev/null; then
  echo "bench: installing fonts-dejavu-core for the plot ..." >&2
  if [[ $EUID -eq 0 ]]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core
  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-dejavu-core; fi
fi
# Builds the bench and, through its project reference, the silo it starts (both Release).
dotnet build -c Release --nologo -v quiet bench/Laevitas.Bench
LAEVITAS_BENCH_COMMAND="./bench.sh${*:+ $*}" exec dotnet bench/Laevitas.Bench/bin/Release/net10.0/Laevitas.Bench.dll all "$@"
