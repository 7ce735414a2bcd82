# syntax=docker/dockerfile:1
# Laevitas silo: Orleans silo + Deribit feed + HTTP API/health/metrics/dashboard.
# Build from the repository root:
#   docker build -f deploy/docker/silo.Dockerfile -t laevitas-silo .
# Multi-arch: docker buildx build --platform linux/amd64,linux/arm64 -f deploy/docker/silo.Dockerfile .

# ---- build: full SDK, compiles for the target architecture without emulation -------------------------------------
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src

# Restore from the project files alone, so this layer (the NuGet packages) is reused until a project file changes.
COPY --link Directory.Build.props Directory.Packages.props ./
COPY --link Laevitas.Grains.Abstractions/Laevitas.Grains.Abstractions.csproj Laevitas.Grains.Abstractions/
COPY --link Laevitas.Diagnostics/Laevitas.Diagnostics.csproj Laevitas.Diagnostics/
COPY --link Laevitas.Feed/Laevitas.Feed.csproj Laevitas.Feed/
COPY --link Laevitas.Streaming.Kafka/Laevitas.Streaming.Kafka.csproj Laevitas.Streaming.Kafka/
COPY --link Laevitas.Grains/Laevitas.Grains.csproj Laevitas.Grains/
COPY --link Laevitas.LocalInfrastructure/Laevitas.LocalInfrastructure.csproj Laevitas.LocalInfrastructure/
COPY --link Laevitas.DeribitSimulator/Laevitas.DeribitSimulator.csproj Laevitas.DeribitSimulator/
COPY --link Laevitas.Silo/Laevitas.Silo.csproj Laevitas.Silo/
RUN dotnet restore Laevitas.Silo/Laevitas.Silo.csproj -a $TARGETARCH

COPY --link Laevitas.Grains.Abstractions/ Laevitas.Grains.Abstractions/
COPY --link Laevitas.Diagnostics/ Laevitas.Diagnostics/
COPY --link Laevitas.Feed/ Laevitas.Feed/
COPY --link Laevitas.Streaming.Kafka/ Laevitas.Streaming.Kafka/
COPY --link Laevitas.Grains/ Laevitas.Grains/
COPY --link Laevitas.LocalInfrastructure/ Laevitas.LocalInfrastructure/
COPY --link Laevitas.DeribitSimulator/ Laevitas.DeribitSimulator/
COPY --link Laevitas.Silo/ Laevitas.Silo/
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
COPY --link --from=build /app .

# A container joins a cluster: membership in Postgres by default. The private PostgreSQL and the embedded Kafka
# broker are for local runs only (the image has no PostgreSQL binaries), so give it ConnectionStrings__Postgres and
# Kafka__BootstrapServers (see deploy/k8s/configmap.yaml and docs/kubernetes.md).
# DOTNET_GCgen0size: a 16 MiB gen0 budget per GC heap (server GC, one heap per CPU of the pod's limit; see
# Laevitas.Silo.csproj); with the default few MiB the silo spent up to half its time in GC under load
# (bench/results.md). Only the environment can set it.
ENV ASPNETCORE_HTTP_PORTS=8080 \
    Orleans__ClusteringMode=AdoNet \
    DOTNET_GCgen0size=0x1000000

# 11111 silo-to-silo, 30000 client gateway, 8080 HTTP: API, /health/live, /health/ready, /metrics, dashboard.
EXPOSE 11111 30000 8080

# No HEALTHCHECK: the chiseled image has no shell or curl to run one, and Kubernetes ignores it in favour of the
# liveness/readiness probes in deploy/k8s/deployment.yaml.
USER $APP_UID
ENTRYPOINT ["dotnet", "Laevitas.Silo.dll"]
