#!/usr/bin/env bash
# Runs the Laevitas silo. Without ConnectionStrings__Postgres it starts a private PostgreSQL (data
# kept across runs); without Kafka__BootstrapServers an in-memory Kafka. Ctrl+C stops everything.
# Arguments are passed to the silo (e.g. --Deribit:Currencies=BTC).
set -euo pipefail
cd "$(dirname "$0")"

usage() {
  cat <<'USAGE'
Usage: ./run.sh [--simulator] [--Key=Value ...]
       ./run.sh --help

Builds Laevitas in Release and runs one silo in the foreground; Ctrl+C stops it (and its private PostgreSQL).
Installs only what running needs and is missing (Debian/Ubuntu: the postgresql package, util-linux).

  --simulator       follow the built-in simulated Deribit exchange instead of the live one (no internet needed)
  --help, -h        print this and exit; nothing is installed, built or started
  --Key=Value       any configuration key of the silo (README.md, "Configuration"), e.g.
                      --Deribit:Currencies=BTC                 follow BTC only
                      --Simulator:Instruments=5000             size of the simulated exchange
                      --ConnectionStrings:Postgres="Host=..."  use this PostgreSQL instead of a private one
                      --Kafka:BootstrapServers=host:9092       use this Kafka instead of the in-memory broker
                      --Retention:Days=30                      keep 30 days of deribit_prices (default: everything)
                      --urls=http://0.0.0.0:8080               where the HTTP API, dashboard and metrics listen
                    the same keys work as environment variables (Deribit__Currencies=BTC).
USAGE
}

for argument in "$@"; do
  case "$argument" in
    --help|-h) usage; exit 0 ;;
  esac
done

scripts/prerequisites.sh
# Build, then exec the silo itself rather than `dotnet run`: `dotnet run` does not pass signals on
# to the app, so `kill <pid of this script>` (SIGINT or SIGTERM from a supervisor, not a terminal)
# would never reach the silo. Exec'd, this script's PID is the silo's and every signal lands there.
dotnet build -c Release --nologo -v quiet Laevitas.Silo
# GC gen0 budget of 16 MiB per heap (the silo runs the server GC, one heap per core; see Laevitas.Silo.csproj) instead
# of the default few MiB: under load the silo allocates ~100 MB/s, and with the default budget it spent up to half its
# time in gen0/gen1 collections (bench/results.md). Settable only through the environment (the runtime ignores it in
# runtimeconfig.json); an explicit value is kept.
export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x1000000}"
# GC heap limit of 600 MiB (hexadecimal, like the above), the managed share of a 1 GiB silo: under overload the
# server GC's background collections left up to 220 MiB of gen2's ~450 MiB as free space and the silo peaked at
# 1.0-1.2 GiB; held to a limit, the GC compacts instead, and the peak stayed under 1 GiB at the same throughput
# (bench/results.md, "GC heap limit"). The rest of the GiB is native memory: librdkafka's queues, thread stacks, the
# runtime (~360 MiB under overload). A market far larger than the bench's 5,000 instruments needs more: raise it, or 0
# for no limit.
export DOTNET_GCHeapHardLimit="${DOTNET_GCHeapHardLimit:-0x25800000}"
cd Laevitas.Silo
exec dotnet bin/Release/net10.0/Laevitas.Silo.dll "$@"
