# The kubetest CLI, the image deploy/controller/deployment.yaml runs (`kubetest controller`). From the repository root:
#   docker build -f deploy/docker/kubetest.Dockerfile -t kubetest:dev .
# Framework-dependent on the .NET runtime image rather than self-contained on runtime-deps: the runtime layer is
# shared with other .NET images and patched by pulling a new base, and the publish stays small.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
RUN dotnet publish src/Kubetest.Cli -c Release -o /out

FROM mcr.microsoft.com/dotnet/runtime:10.0
# git clones a TestJob's repositories on the machine that runs kubetest (ssh URLs need ssh);
# the askpass helper that hands git a token is a sh script.
RUN apt-get update \
    && apt-get install -y --no-install-recommends git openssh-client ca-certificates \
    && rm -rf /var/lib/apt/lists/*
COPY --from=build /out /opt/kubetest
# The base image's non-root user "app" by number, so runAsNonRoot can check it without /etc/passwd.
USER 1654
ENV HOME=/tmp
ENTRYPOINT ["/opt/kubetest/kubetest"]
