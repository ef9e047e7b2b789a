# syntax=docker/dockerfile:1
# Backend silo of the production profile (grains, stream queues, Orleans Dashboard).
# Build from the repository root:   docker build -f deploy/docker/Silo.Dockerfile -t chatorleans-silo .
# Needs BuildKit (default since Docker 23) so that Silo.Dockerfile.dockerignore keeps the host's
# bin/ and obj/ out of the image. Not built on the machine these files were written on (no engine):
# unverified, see deploy/README.md "Containers and Kubernetes".

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# Restore first, from the central package files and the project files only, so that a source
# change does not invalidate the restored packages' layer.
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY Grains.Interfaces/Grains.Interfaces.csproj Grains.Interfaces/
COPY ServiceDefaults/ServiceDefaults.csproj ServiceDefaults/
COPY Grains/Grains.csproj Grains/
COPY Silo/Silo.csproj Silo/
RUN dotnet restore Silo/Silo.csproj
COPY Grains.Interfaces/ Grains.Interfaces/
COPY ServiceDefaults/ ServiceDefaults/
COPY Grains/ Grains/
COPY Silo/ Silo/
RUN dotnet publish Silo/Silo.csproj -c Release --no-restore -o /app/publish /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
# Storage:DataDirectory is only used by the embedded profile; give it a writable place anyway.
# Silos check completed uploads: ffmpeg makes video poster frames (without it videos get none).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
RUN mkdir -p /data && chown "$APP_UID" /data
COPY --from=build /app/publish .
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_HTTP_PORTS= \
    Storage__DataDirectory=/data \
    Orleans__SiloPort=11111 \
    Orleans__GatewayPort=30000
# 11111: silo-to-silo, 30000: cluster clients (the gateways), 8080: /healthz and /dashboard/.
EXPOSE 11111 30000 8080
# The image's non-root user (APP_UID=1654, "app").
USER $APP_UID
# No HEALTHCHECK: Kubernetes' probes on /healthz do it (deploy/k8s/silo-deployment.yaml).
ENTRYPOINT ["dotnet", "ChatOrleans.Silo.dll"]
