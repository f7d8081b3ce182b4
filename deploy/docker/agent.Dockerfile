# kubetest-agent as a native (AOT) binary, for test images without a shell (docs/agent.md). kubetest never runs this
# image: it runs your test image, which must hold the agent, so copy it from here into yours:
#   docker build -f deploy/docker/agent.Dockerfile -t kubetest-agent:dev .
#   # in your test image's Dockerfile (glibc-based: Debian, Ubuntu, distroless/cc):
#   COPY --from=kubetest-agent:dev /usr/local/bin/kubetest-agent /usr/local/bin/kubetest-agent
# and set agent.installedPath: /usr/local/bin/kubetest-agent. The binary links glibc of the build stage (Ubuntu
# 24.04); for an image with an older glibc, or musl (Alpine), publish it as docs/agent.md says.

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
# Native AOT links with clang and needs zlib's headers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends clang zlib1g-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/ src/
# --use-current-runtime: AOT compiles for the architecture it builds on (no cross-compiling toolchain needed).
RUN dotnet publish src/Kubetest.Agent -c Release --use-current-runtime -p:PublishAot=true -o /out

# runtime-deps holds only what a native .NET binary needs (glibc, libgcc, ca-certificates), no .NET and no SDK.
FROM mcr.microsoft.com/dotnet/runtime-deps:10.0
COPY --from=build /out/kubetest-agent /usr/local/bin/kubetest-agent
USER 1654
ENTRYPOINT ["/usr/local/bin/kubetest-agent"]
