# syntax=docker/dockerfile:1
# stampede-target: the flash-sale lab service; public API on 8080, admin API on 8081.
# Build from the repository root (compose files do this for you):
#   docker build -f deploy/docker/target.Dockerfile -t stampede/target .
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
RUN deploy/docker/runtime-packages.sh build/release/target/stampede-target >/runtime-packages

# Runtime: Debian 12 slim, the shared libraries the binary loads and nothing else, non-root.
FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages) curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin stampede
COPY --from=build /src/build/release/target/stampede-target /usr/local/bin/
USER 10001:10001
# Every flag also reads STAMPEDE_<FLAG> (design.md); these make the defaults container-shaped.
ENV STAMPEDE_LISTEN=0.0.0.0:8080 \
    STAMPEDE_ADMIN_LISTEN=0.0.0.0:8081
EXPOSE 8080 8081
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${STAMPEDE_LISTEN##*:}/health" >/dev/null || exit 1
ENTRYPOINT ["stampede-target"]
