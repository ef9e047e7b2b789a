# syntax=docker/dockerfile:1
# Gateway of the production profile: WebSocket /ws and the HTTP API, an Orleans cluster client.
# Built with -p:EmbeddedSilo=false: no grains, so Grains/ is not even copied in.
# Build from the repository root:   docker build -f deploy/docker/Gateway.Dockerfile -t chatorleans-gateway .
# Needs BuildKit (default since Docker 23) so that Gateway.Dockerfile.dockerignore keeps the host's
# bin/ and obj/ out of the image. Not built on the machine these files were written on (no engine):
# unverified, see deploy/README.md "Containers and Kubernetes".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Grains.Interfaces/Grains.Interfaces.csproj Grains.Interfaces/
COPY ServiceDefaults/ServiceDefaults.csproj ServiceDefaults/
COPY Gateway/Gateway.csproj Gateway/Directory.Build.props Gateway/
RUN dotnet restore Gateway/Gateway.csproj -p:EmbeddedSilo=false
COPY Grains.Interfaces/ Grains.Interfaces/
COPY ServiceDefaults/ ServiceDefaults/
COPY Gateway/ Gateway/
RUN dotnet publish Gateway/Gateway.csproj -c Release --no-restore -o /app/publish -p:EmbeddedSilo=false /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# The gateway creates its data folder (Storage:DataDirectory) at start-up in every profile.
RUN mkdir -p /data && chown "$APP_UID" /data
COPY --from=build /app/publish .
# The gateway listens on 127.0.0.1:5080 unless urls/ASPNETCORE_URLS is set (GatewayApp.DefaultUrl);
# ASPNETCORE_HTTP_PORTS of the base image is not enough.
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Storage__DataDirectory=/data
EXPOSE 8080
USER $APP_UID
# No HEALTHCHECK: Kubernetes' probes on /healthz do it (deploy/k8s/gateway-deployment.yaml).
ENTRYPOINT ["dotnet", "ChatOrleans.Gateway.dll"]
