#!/usr/bin/env bash
# Runs the whole test suite (unit, integration against a private PostgreSQL and the in-memory Kafka,
# chaos). Arguments are passed to dotnet test (e.g. --filter "FullyQualifiedName~Embedded").
set -euo pipefail
cd "$(dirname "$0")"
scripts/prerequisites.sh --tests --containers
# Build once (in parallel), then run the test projects one after the other (-m:1): the chaos suite runs three silo
# processes under load and measures recovery times, which two test projects sharing two cores would distort.
dotnet build Laevitas.sln -c Release --nologo -v quiet
# deploy/k8s against the Kubernetes OpenAPI schemas, and the images the container test runs (cached layers: ~30 s
# when nothing changed; the first run on a machine builds the base-image stand-ins, ~10 min).
scripts/validate-manifests.sh
deploy/docker/build-local.sh
exec dotnet test Laevitas.sln -c Release --no-build -m:1 "$@"
