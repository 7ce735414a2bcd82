#!/usr/bin/env bash
# Installs what Laevitas needs on a fresh Debian/Ubuntu machine, and only what is missing:
# the PostgreSQL server binaries (package `postgresql`) for the private database the silo and the
# tests start. The .NET SDK is expected to be present. Uses sudo only when not already root.
# Shared by ./run.sh and ./test.sh. What only the tests need is asked for by ./test.sh alone, so a first run installs
# no browser and no container tooling: `--tests` adds chromium (the dashboard test), `--containers` what the container
# test and the image build need: podman, buildah, runc, debootstrap (deploy/docker/build-local.sh), and npm for the
# manifest schema check.
set -euo pipefail

tests=false
containers=false
for argument in "$@"; do
  case "$argument" in
    --tests) tests=true ;;
    --containers) containers=true ;;
    *) echo "prerequisites: unknown argument $argument" >&2; exit 2 ;;
  esac
done

has_server_programs() {
  [[ -x "$1/initdb" && -x "$1/pg_ctl" && -x "$1/postgres" ]]
}

# Same search order as Laevitas.LocalInfrastructure/Postgres/PostgresBinaries.cs.
postgres_server_found() {
  if [[ -n "${LAEVITAS_PG_BIN:-}" ]]; then
    has_server_programs "$LAEVITAS_PG_BIN"
    return
  fi
  if command -v pg_config >/dev/null 2>&1 && has_server_programs "$(pg_config --bindir 2>/dev/null)"; then
    return 0
  fi
  local dir
  for dir in /usr/lib/postgresql/*/bin; do
    if has_server_programs "$dir"; then
      return 0
    fi
  done
  command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1
}

as_root() {
  if [[ $EUID -eq 0 ]]; then
    "$@"
  else
    sudo "$@"
  fi
}

apt_install() {
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "prerequisites: $* missing and apt-get is not available; install $* with your package manager." >&2
    exit 1
  fi
  echo "prerequisites: installing $* ..." >&2
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@"
}

if ! command -v dotnet >/dev/null 2>&1; then
  echo "prerequisites: the .NET 10 SDK (dotnet) is required: https://dotnet.microsoft.com/download" >&2
  exit 1
fi

if [[ -n "${LAEVITAS_PG_BIN:-}" ]] && ! has_server_programs "$LAEVITAS_PG_BIN"; then
  echo "prerequisites: LAEVITAS_PG_BIN=$LAEVITAS_PG_BIN does not contain initdb, pg_ctl and postgres." >&2
  exit 1
fi

if ! postgres_server_found; then
  apt_install postgresql
fi

# setpriv (run the server as an unprivileged account when root) and setsid (keep the server out of
# the terminal's Ctrl+C) come with util-linux, present on every Debian/Ubuntu but minimal images.
if ! command -v setpriv >/dev/null 2>&1 || ! command -v setsid >/dev/null 2>&1; then
  apt_install util-linux
fi

# Debian's chromium (tests only): the dashboard test loads the Orleans dashboard in a real headless browser (and fails
# with a message saying so when none is found). Ubuntu ships chromium only as a snap; there, set LAEVITAS_CHROMIUM to a
# Chrome/Chromium binary instead.
if $tests && [[ -z "${LAEVITAS_CHROMIUM:-}" ]] && ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  apt_install chromium
fi

# Containers (tests only): Debian's podman with runc (crun refuses this kind's hybrid cgroup layout), buildah, and
# debootstrap for the local stand-ins of the .NET base images. The container test needs root (or sudo) for podman
# and debootstrap; without them it fails, saying so.
if $containers; then
  missing=()
  for tool in podman buildah runc debootstrap; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if [[ ${#missing[@]} -gt 0 ]]; then
    apt_install "${missing[@]}"
  fi
fi
