#!/usr/bin/env bash
# Runs the whole test suite (unit, integration against a private PostgreSQL and the in-memory Kafka,
# chaos). Arguments are passed to dotnet test (e.g. --filter "FullyQualifiedName~Embedded").
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh
exec dotnet test Laevitas.sln -c Release "$@"
