#!/usr/bin/env bash
# Builds the laevitas-silo and laevitas-client images from deploy/docker/*.Dockerfile with podman, on a machine that
# cannot pull the Dockerfiles' base images (no Docker engine, mcr.microsoft.com unreachable).
#
#   deploy/docker/build-local.sh [--tag TAG] [--standins-only]
#
# For each base image the Dockerfiles name (mcr.microsoft.com/dotnet/sdk:10.0, .../aspnet:10.0-noble-chiseled,
# .../runtime:10.0-noble-chiseled) it uses, in this order: the image already in local storage, a pull, or a local
# stand-in built here and tagged with that very name, so the Dockerfiles build unchanged:
#   - a Debian bookworm minbase root filesystem (debootstrap) plus this machine's .NET SDK, for the sdk image;
#   - for the chiseled images, only the files of the shared libraries .NET needs (libc6, libgcc-s1, libstdc++6,
#     libssl3, zlib1g) and the CA bundle, plus this machine's .NET runtime: no shell, no package manager, like
#     Microsoft's chiseled images, so a Dockerfile step or a probe that needs a shell fails here as it would there;
#   - the same non-root user as Microsoft's images: `app`, UID/GID 1654, in APP_UID.
# Stand-ins carry the label org.laevitas.stand-in=<dotnet versions>; they are rebuilt when this machine's .NET changes.
# A second run reuses them and the build layers (restore is cached until a project file changes).
#
# The SDK stand-in trusts this machine's CA bundle and copies its NUGET_CERT_REVOCATION_MODE: `dotnet restore` inside
# the build goes out through the same egress as this machine's own restores. That is a property of the build machine,
# so it lives in the stand-in, not in the Dockerfiles or the build context, and it never reaches a runtime image.
#
# Needs root (or sudo) for debootstrap, and podman with runc; scripts/prerequisites.sh --containers installs them.
# Prints each image's size and the build times.
set -euo pipefail

tag=local
standins_only=false
while [[ $# -gt 0 ]]; do
  case "$1" in
    --tag) tag="$2"; shift 2 ;;
    --standins-only) standins_only=true; shift ;;
    -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
    *) echo "build-local: unknown argument $1" >&2; exit 2 ;;
  esac
done

repo="$(cd "$(dirname "$0")/../.." && pwd)"
sdk_image=mcr.microsoft.com/dotnet/sdk:10.0
aspnet_image=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled
runtime_image=mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled
app_uid=1654
debian_mirror="${LAEVITAS_DEBIAN_MIRROR:-http://deb.debian.org/debian}"

as_root() {
  if [[ $EUID -eq 0 ]]; then "$@"; else sudo "$@"; fi
}

for tool in podman debootstrap dotnet; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "build-local: $tool not found; run scripts/prerequisites.sh --containers" >&2
    exit 1
  fi
done

# This kernel's hybrid cgroup layout: crun refuses to start containers, runc works. Ulimits at or below the current
# limits, since a container may not raise them; runc could not set RLIMIT_NPROC above 32768 here (65536 and the
# shell's own 96367 were refused with EPERM), so nproc is capped there.
nofile="$(ulimit -n)"
nproc="$(ulimit -u)"
if [[ "$nproc" == unlimited || "$nproc" -gt 32768 ]]; then nproc=32768; fi
podman_run_args=(--runtime runc --network host --ulimit "nofile=$nofile:$nofile" --ulimit "nproc=$nproc:$nproc")

sdk_version="$(dotnet --version)"
runtime_version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.NETCore.App" && $2 ~ /^10\./ {v = $2} END {print v}')"
aspnet_version="$(dotnet --list-runtimes | awk '$1 == "Microsoft.AspNetCore.App" && $2 ~ /^10\./ {v = $2} END {print v}')"
dotnet_root="$(dirname "$(readlink -f "$(command -v dotnet)")")"
if [[ -z "$runtime_version" || -z "$aspnet_version" ]]; then
  echo "build-local: this machine has no .NET 10 runtime and ASP.NET Core runtime to put in stand-ins" >&2
  exit 1
fi
stand_in_label="sdk-${sdk_version}_runtime-${runtime_version}_aspnet-${aspnet_version}_bookworm"

seconds() { date +%s.%N; }
elapsed() { awk -v s="$1" -v e="$(seconds)" 'BEGIN { printf "%.1f", e - s }'; }

# "keep" when the image is usable as it is: pulled from its registry, or a stand-in for this machine's .NET.
base_image_state() {
  local image="$1" label
  if podman image exists "$image"; then
    label="$(podman image inspect --format '{{index .Labels "org.laevitas.stand-in"}}' "$image" 2>/dev/null || true)"
    if [[ -z "$label" || "$label" == "<no value>" || "$label" == "$stand_in_label" ]]; then
      echo keep
      return
    fi
    echo stale
    return
  fi
  if timeout 120 podman pull -q "$image" >/dev/null 2>&1; then
    echo keep
    return
  fi
  echo missing
}

rootfs=""
work=""
cleanup() {
  if [[ -n "$work" && -d "$work" ]]; then
    as_root rm -rf --one-file-system "$work"
  fi
}
trap cleanup EXIT

debian_rootfs() {
  if [[ -n "$rootfs" ]]; then
    return
  fi
  work="$(mktemp -d "${TMPDIR:-/var/tmp}/laevitas-stand-in.XXXXXX")"
  rootfs="$work/rootfs"
  local started
  started="$(seconds)"
  echo "build-local: debootstrap --variant=minbase bookworm (Debian mirror $debian_mirror) ..." >&2
  # libicu72: the SDK itself (MSBuild, NuGet) runs with globalization; the apps are invariant and need no ICU.
  if ! as_root debootstrap --variant=minbase --include=ca-certificates,libicu72,libssl3,zlib1g,libstdc++6,tzdata \
      bookworm "$rootfs" "$debian_mirror" >"$work/debootstrap.log" 2>&1; then
    tail -20 "$work/debootstrap.log" >&2
    echo "build-local: debootstrap failed (log above)" >&2
    exit 1
  fi
  echo "build-local: root filesystem ready in $(elapsed "$started") s" >&2
}

common_changes=(
  --change "ENV=APP_UID=$app_uid"
  --change "ENV=DOTNET_RUNNING_IN_CONTAINER=true"
  --change "ENV=DOTNET_VERSION=$runtime_version"
  --change "LABEL=org.laevitas.stand-in=$stand_in_label"
)

build_sdk_stand_in() {
  debian_rootfs
  local dir="$work/sdk"
  as_root cp -a "$rootfs" "$dir"
  printf 'app:x:%s:%s::/home/app:/bin/sh\n' "$app_uid" "$app_uid" | as_root tee -a "$dir/etc/passwd" >/dev/null
  printf 'app:x:%s:\n' "$app_uid" | as_root tee -a "$dir/etc/group" >/dev/null
  as_root install -d -o "$app_uid" -g "$app_uid" "$dir/home/app"
  as_root mkdir -p "$dir/usr/share/dotnet"
  as_root cp -a "$dotnet_root/." "$dir/usr/share/dotnet/"
  as_root ln -sf /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
  # The build machine's trust store (see the header): restore reaches NuGet through this machine's egress.
  as_root cp /etc/ssl/certs/ca-certificates.crt "$dir/etc/ssl/certs/ca-certificates.crt"
  local changes=("${common_changes[@]}"
    --change "ENV=ASPNET_VERSION=$aspnet_version"
    --change "ENV=DOTNET_SDK_VERSION=$sdk_version"
    --change "ENV=ASPNETCORE_HTTP_PORTS=8080"
    --change "ENV=DOTNET_GENERATE_ASPNET_CERTIFICATE=false"
    --change "ENV=DOTNET_NOLOGO=true"
    --change "ENV=DOTNET_USE_POLLING_FILE_WATCHER=true"
    --change "ENV=NUGET_XMLDOC_MODE=skip")
  if [[ -n "${NUGET_CERT_REVOCATION_MODE:-}" ]]; then
    changes+=(--change "ENV=NUGET_CERT_REVOCATION_MODE=$NUGET_CERT_REVOCATION_MODE")
  fi
  as_root tar -C "$dir" --numeric-owner -c . | podman import -q "${changes[@]}" - "$sdk_image" >/dev/null
  as_root rm -rf --one-file-system "$dir"
}

# A chiseled-like root: the files (not the maintainer scripts, shells or tools) of the packages .NET links against.
build_chiseled_stand_in() {
  local image="$1" with_aspnet="$2"
  debian_rootfs
  local dir="$work/chiseled-$with_aspnet" list="$work/files-$with_aspnet"
  as_root mkdir -p "$dir/usr/bin" "$dir/usr/lib" "$dir/usr/lib64" "$dir/usr/sbin" "$dir/etc"
  # bookworm is merged-/usr: the packages list /lib/... paths that live under /usr/lib.
  as_root ln -s usr/bin "$dir/bin"
  as_root ln -s usr/lib "$dir/lib"
  as_root ln -s usr/lib64 "$dir/lib64"
  as_root ln -s usr/sbin "$dir/sbin"
  as_root chroot "$rootfs" dpkg -L libc6 libgcc-s1 libstdc++6 libssl3 zlib1g \
    | grep -v -E '^/usr/share/(doc|lintian|man|locale|info)/' \
    | while read -r path; do
        if [[ -f "$rootfs$path" || -L "$rootfs$path" ]] && [[ ! -d "$rootfs$path" || -L "$rootfs$path" ]]; then
          echo ".$path"
        fi
      done >"$list"
  printf '%s\n' ./etc/ssl/certs/ca-certificates.crt ./usr/lib/os-release ./etc/os-release ./etc/nsswitch.conf >>"$list"
  as_root tar -C "$rootfs" --no-recursion -c -T "$list" | as_root tar -C "$dir" --keep-directory-symlink -x
  as_root install -d -m 1777 "$dir/tmp"
  as_root install -d -o "$app_uid" -g "$app_uid" "$dir/home/app"
  printf 'root:x:0:0:root:/root:/usr/sbin/nologin\napp:x:%s:%s::/home/app:/usr/sbin/nologin\n' "$app_uid" "$app_uid" \
    | as_root tee "$dir/etc/passwd" >/dev/null
  printf 'root:x:0:\napp:x:%s:\n' "$app_uid" | as_root tee "$dir/etc/group" >/dev/null
  as_root mkdir -p "$dir/usr/share/dotnet/shared"
  as_root cp -a "$dotnet_root/dotnet" "$dotnet_root/host" "$dir/usr/share/dotnet/"
  as_root mkdir -p "$dir/usr/share/dotnet/shared/Microsoft.NETCore.App"
  as_root cp -a "$dotnet_root/shared/Microsoft.NETCore.App/$runtime_version" "$dir/usr/share/dotnet/shared/Microsoft.NETCore.App/"
  local changes=("${common_changes[@]}" --change "USER=$app_uid")
  if [[ "$with_aspnet" == aspnet ]]; then
    as_root mkdir -p "$dir/usr/share/dotnet/shared/Microsoft.AspNetCore.App"
    as_root cp -a "$dotnet_root/shared/Microsoft.AspNetCore.App/$aspnet_version" "$dir/usr/share/dotnet/shared/Microsoft.AspNetCore.App/"
    changes+=(--change "ENV=ASPNET_VERSION=$aspnet_version" --change "ENV=ASPNETCORE_HTTP_PORTS=8080")
  fi
  as_root ln -s /usr/share/dotnet/dotnet "$dir/usr/bin/dotnet"
  if [[ -e "$dir/bin/sh" || -e "$dir/usr/bin/sh" ]]; then
    echo "build-local: the chiseled stand-in has a shell; the package list pulled one in" >&2
    exit 1
  fi
  as_root tar -C "$dir" --numeric-owner -c . | podman import -q "${changes[@]}" - "$image" >/dev/null
  as_root rm -rf --one-file-system "$dir"
}

total_started="$(seconds)"
for image in "$sdk_image" "$aspnet_image" "$runtime_image"; do
  state="$(base_image_state "$image")"
  if [[ "$state" == keep ]]; then
    echo "build-local: base image $image: present" >&2
    continue
  fi
  started="$(seconds)"
  echo "build-local: base image $image: $state and not pullable; building a local stand-in" >&2
  case "$image" in
    "$sdk_image") build_sdk_stand_in ;;
    "$aspnet_image") build_chiseled_stand_in "$image" aspnet ;;
    "$runtime_image") build_chiseled_stand_in "$image" runtime ;;
  esac
  echo "build-local: stand-in $image built in $(elapsed "$started") s" >&2
done
cleanup
work=""
rootfs=""

if $standins_only; then
  exit 0
fi

# BuildKit sets TARGETARCH itself; podman 4.3 (buildah 1.28) does not, so it is passed as the platform it builds for.
arch="$(podman info --format '{{.Host.Arch}}')"
build_started_unix="$(date +%s)"
build_log="$(mktemp)"
for name in silo client; do
  started="$(seconds)"
  podman build "${podman_run_args[@]}" --pull=never --layers \
    --build-arg "TARGETARCH=$arch" \
    -f "$repo/deploy/docker/$name.Dockerfile" -t "localhost/laevitas-$name:$tag" "$repo" 2>&1 | tee -a "$build_log" >&2
  echo "build-local: laevitas-$name:$tag built in $(elapsed "$started") s" >&2
done

# Each build whose sources changed leaves its intermediate layers (the build stage alone is 1.6 GB) as untagged
# images: the cache of the next build. Keep only this build's (created now, or reused: "Using cache <id>") and
# remove older ones, so repeated runs do not fill the disk.
kept=0
removed=0
while read -r id; do
  [[ -n "$id" ]] || continue
  created="$(podman image inspect --format '{{.Created.Unix}}' "$id" 2>/dev/null || echo 0)"
  if [[ "$created" -ge "$build_started_unix" ]] || grep -q "Using cache $id" "$build_log"; then
    kept=$((kept + 1))
  elif podman rmi "$id" >/dev/null 2>&1; then
    removed=$((removed + 1))
  fi
done < <(podman images --quiet --no-trunc --filter dangling=true | sed 's/^sha256://' | sort -u)
rm -f "$build_log"
echo "build-local: build cache: kept $kept layer images of this build, removed $removed older ones" >&2

for name in silo client; do
  size="$(podman image inspect --format '{{.Size}}' "localhost/laevitas-$name:$tag")"
  awk -v n="laevitas-$name:$tag" -v s="$size" 'BEGIN { printf "build-local: %s %.0f MB\n", n, s / 1e6 }' >&2
done
echo "build-local: done in $(elapsed "$total_started") s" >&2
