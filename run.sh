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
cd Laevitas.Silo
exec dotnet bin/Release/net10.0/Laevitas.Silo.dll "$@"
