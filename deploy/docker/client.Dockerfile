# syntax=docker/dockerfile:1
# Laevitas command-line client (`laevitas`): queries grains of a running cluster through its gateways.
# Build from the repository root:
#   docker build -f deploy/docker/client.Dockerfile -t laevitas-client .
# Without Docker or a reachable mcr.microsoft.com: deploy/docker/build-local.sh (podman, local base images).
# Run inside the cluster (gateways found in the Postgres membership table):
#   kubectl -n laevitas run laevitas-client --rm -it --restart=Never --image=<registry>/laevitas-client:<tag> \
#     --overrides='{"spec":{"containers":[{"name":"laevitas-client","image":"<registry>/laevitas-client:<tag>","stdin":true,"tty":true,"envFrom":[{"configMapRef":{"name":"laevitas-config"}},{"secretRef":{"name":"laevitas-secrets"}}],"env":[{"name":"Orleans__ClusteringMode","value":"AdoNet"}],"args":["stats"]}]}}'

# Project files alone first, so the restore layer is reused until one changes (see silo.Dockerfile).
FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS projects
WORKDIR /src
COPY . .
RUN find . -type f ! -name '*.csproj' ! -name 'Directory.*.props' ! -name global.json ! -iname 'NuGet.config' -delete \
 && find . -depth -type d -empty -delete

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src
COPY --from=projects /src/ ./
RUN dotnet restore Laevitas.Client/Laevitas.Client.csproj -a $TARGETARCH

COPY . .
RUN dotnet publish Laevitas.Client/Laevitas.Client.csproj -c Release -a $TARGETARCH --no-restore -o /app -p:UseAppHost=false

# The client is a console program: the plain .NET runtime is enough (no ASP.NET Core), chiseled, non-root.
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --from=build /app .
USER $APP_UID
# The project's AssemblyName is `laevitas` (the command's name), not the project name.
ENTRYPOINT ["dotnet", "laevitas.dll"]
