# syntax=docker/dockerfile:1
# Laevitas command-line client: queries grains of a running cluster through its gateways.
# Build from the repository root:
#   docker build -f deploy/docker/client.Dockerfile -t laevitas-client .
# Run inside the cluster (gateways found in the Postgres membership table):
#   kubectl -n laevitas run laevitas-client --rm -it --restart=Never --image=<registry>/laevitas-client:<tag> \
#     --overrides='{"spec":{"containers":[{"name":"laevitas-client","image":"<registry>/laevitas-client:<tag>","stdin":true,"tty":true,"envFrom":[{"configMapRef":{"name":"laevitas-config"}},{"secretRef":{"name":"laevitas-secrets"}}],"args":["--help"]}]}}'

FROM --platform=$BUILDPLATFORM mcr.microsoft.com/dotnet/sdk:10.0 AS build
ARG TARGETARCH
WORKDIR /src

COPY --link Directory.Build.props Directory.Packages.props ./
COPY --link Laevitas.Grains.Abstractions/Laevitas.Grains.Abstractions.csproj Laevitas.Grains.Abstractions/
COPY --link Laevitas.Client/Laevitas.Client.csproj Laevitas.Client/
RUN dotnet restore Laevitas.Client/Laevitas.Client.csproj -a $TARGETARCH

COPY --link Laevitas.Grains.Abstractions/ Laevitas.Grains.Abstractions/
COPY --link Laevitas.Client/ Laevitas.Client/
RUN dotnet publish Laevitas.Client/Laevitas.Client.csproj -c Release -a $TARGETARCH --no-restore -o /app -p:UseAppHost=false

# The client is a console program: the plain .NET runtime is enough (no ASP.NET Core), chiseled, non-root.
FROM mcr.microsoft.com/dotnet/runtime:10.0-noble-chiseled AS runtime
WORKDIR /app
COPY --link --from=build /app .
USER $APP_UID
ENTRYPOINT ["dotnet", "Laevitas.Client.dll"]
