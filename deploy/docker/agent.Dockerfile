# syntax=docker/dockerfile:1
# stampede-agent: joins the coordinator at STAMPEDE_COORDINATOR and runs the jobs it is given.
# Build from the repository root (compose files do this for you):
#   docker build -f deploy/docker/agent.Dockerfile -t stampede/agent .
#
# The build stage runs exactly what scripts/ runs on a fresh Debian 12 machine: the packages
# scripts/lib/deps.sh lists, then scripts/build release. tests/deploy replays these steps, so
# an image that would no longer build fails CI. All three images share this stage, so a
# builder with a layer cache compiles the project once for the three.
FROM debian:12 AS build
WORKDIR /src
COPY scripts/lib/deps.sh scripts/lib/deps.sh
RUN bash -c 'source scripts/lib/deps.sh && stampede_install_packages "${STAMPEDE_BUILD_PACKAGES[@]}"'
# Only what the release build reads, so an edit to docs, tests or deploy/ keeps the compile
# in the layer cache.
COPY CMakeLists.txt ./
COPY scripts scripts
COPY proto proto
COPY common common
COPY target target
COPY agent agent
COPY coordinator coordinator
COPY deploy/docker/runtime-packages.sh deploy/docker/runtime-packages.sh
RUN STAMPEDE_SKIP_DEPS=1 scripts/build release
RUN deploy/docker/runtime-packages.sh build/release/agent/stampede-agent >/runtime-packages

# Runtime: Debian 12 slim, the shared libraries the binary loads and nothing else, non-root.
FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin stampede
COPY --from=build /src/build/release/agent/stampede-agent /usr/local/bin/
USER 10001:10001
# Every flag also reads STAMPEDE_<FLAG> (design.md); these make the defaults container-shaped.
ENV STAMPEDE_COORDINATOR=tcp://coordinator:5555
# No listener to probe: the coordinator sees an agent through its heartbeats (`stampede agents`).
ENTRYPOINT ["stampede-agent"]
