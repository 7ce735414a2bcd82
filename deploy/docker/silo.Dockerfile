# syntax=docker/dockerfile:1
# Laevitas silo: Orleans silo + Deribit feed + HTTP API/health/metrics/dashboard.
# Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t laevitas-silo .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/silo.Dockerfile .
# Without Docker or a reachable mcr.microsoft.com: deploy/docker/build-local.sh (podman, local base images).
# Plain Dockerfile syntax that BuildKit and buildah/podman (Debian 12's 1.28) both build: no COPY --link/--parents.

# ---- projects: the project and build-settings files alone, wherever they are ----------------------------------------
# Restore needs only these. Taking every *.csproj and Directory.*.props of the context (not a list of projects) keeps
# the image right when projects are added or split; the stage reruns on any change, but its output is the same until
# a project file changes, so the restore layer below stays cached (both builders key COPY by content).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY . .
RUN find . -type f ! -name '*.csproj' ! -name 'Directory.*.props' ! -name global.json ! -iname 'NuGet.config' -delete \
 && find . -depth -type d -empty -delete

# ---- build: full SDK, compiles for the target architecture without emulation -------------------------------------
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY --from=projects /src/ ./
RUN dotnet restore Laevitas.Silo/Laevitas.Silo.csproj -a $TARGETARCH

COPY . .
# Framework-dependent, architecture-specific: only this architecture's native libraries (librdkafka) are copied.
RUN dotnet publish Laevitas.Silo/Laevitas.Silo.csproj -c Release -a $TARGETARCH --no-restore -o /app -p:UseAppHost=false \
 && rm -f /app/alpine-librdkafka.so /app/librdkafka.so
# librdkafka.redist ships three Linux builds; only centos8-librdkafka.so can load on Ubuntu: alpine-librdkafka.so is
# for musl, and librdkafka.so links libsasl2.so.3 (the RHEL soname; Debian and Ubuntu ship libsasl2.so.2).
# Confluent.Kafka tries librdkafka.so first and falls back to centos8-librdkafka.so on any load failure, which is
# what already happens on this project's Debian build machines. Dropping the two dead files saves 24 MB.

# ---- runtime: Ubuntu chiseled ASP.NET image: no shell, no package manager, non-root user 'app' (UID 1654) ---------
# Why chiseled works here: centos8-librdkafka.so needs only glibc (libc, libm, libdl, libpthread, librt), which the
# chiseled image has, and carries its own OpenSSL and zlib/zstd/lz4. The app runs with InvariantGlobalization, so no
# ICU is needed. SASL GSSAPI (Kerberos) is not in that build; SASL PLAIN/SCRAM/OAUTHBEARER over TLS are.
FROM mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .

# A container joins a cluster: membership in Postgres by default. The private PostgreSQL and the embedded Kafka
# broker are for local runs only (the image has no PostgreSQL binaries), so give it ConnectionStrings__Postgres and
# Kafka__BootstrapServers (see deploy/k8s/configmap.yaml and docs/kubernetes.md).
# DOTNET_GCgen0size: a 16 MiB gen0 budget per GC heap (server GC, one heap per CPU of the pod's limit; see
# Laevitas.Silo.csproj); with the default few MiB the silo spent up to half its time in GC under load
# (bench/results.md). Only the environment can set it.
# DOTNET_GCHeapHardLimitPercent: the GC heap may take 60 % (hexadecimal 0x3C) of the pod's memory limit, not the
# runtime's default 75 %: the silo's native memory (librdkafka's queues, thread stacks, the runtime) reached ~360 MiB
# under overload, more than a quarter of a 1 GiB limit, and the limit makes the GC compact gen2 instead of growing
# (bench/results.md, "GC heap limit"; run.sh sets about the same share of 1 GiB, 600 MiB).
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Orleans__ClusteringMode=AdoNet \
    DOTNET_GCgen0size=0x1000000 \
    DOTNET_GCHeapHardLimitPercent=0x3C

# 11111 silo-to-silo, 30000 client gateway, 8080 HTTP: API, /health/live, /health/ready, /metrics, dashboard.
EXPOSE 11111 30000 8080

# No HEALTHCHECK: the chiseled image has no shell or curl to run one, and Kubernetes ignores it in favour of the
# liveness/readiness probes in deploy/k8s/deployment.yaml.
USER $APP_UID
ENTRYPOINT ["dotnet", "Laevitas.Silo.dll"]
