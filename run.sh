#!/usr/bin/env bash
# Runs the Laevitas silo. Without ConnectionStrings__Postgres it starts a private PostgreSQL (data
# kept across runs); without Kafka__BootstrapServers an in-memory Kafka. Ctrl+C stops everything.
# Arguments are passed to the silo (e.g. --Deribit:Currencies=BTC).
set -euo pipefail
cd "$(dirname "$0")"
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
cd Laevitas.Silo
exec dotnet bin/Release/net10.0/Laevitas.Silo.dll "$@"
