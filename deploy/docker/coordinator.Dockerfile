# syntax=docker/dockerfile:1
# stampede: the coordinator daemon (default command) and the CLI (run, agents).
# Build from the repository root (compose files do this for you):
#   docker build -f deploy/docker/coordinator.Dockerfile -t stampede/coordinator .
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
RUN deploy/docker/runtime-packages.sh build/release/coordinator/stampede >/runtime-packages

# Runtime: Debian 12 slim, the shared libraries the binary loads and nothing else, non-root.
FROM debian:12-slim
COPY --from=build /runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      $(cat /tmp/runtime-packages) \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && useradd --system --uid 10001 --user-group --no-create-home --shell /usr/sbin/nologin stampede \
 && install -d -o 10001 -g 10001 -m 0700 /var/lib/stampede
COPY --from=build /src/build/release/coordinator/stampede /usr/local/bin/
USER 10001:10001
# Every flag also reads STAMPEDE_<FLAG> (design.md); these make the defaults container-shaped.
# The run journal lives in a volume, so a coordinator restarted mid-run finishes the run.
ENV STAMPEDE_AGENTS_BIND=tcp://0.0.0.0:5555 \
    STAMPEDE_CONTROL_BIND=tcp://0.0.0.0:5556 \
    STAMPEDE_METRICS_BIND=0.0.0.0:9464 \
    STAMPEDE_STATE_DIR=/var/lib/stampede
VOLUME /var/lib/stampede
EXPOSE 5555 5556 9464
# Healthy once the control socket answers: `stampede agents` asks the daemon who is connected.
HEALTHCHECK --interval=5s --timeout=6s --start-period=5s --retries=3 \
  CMD stampede agents --coordinator "tcp://127.0.0.1:${STAMPEDE_CONTROL_BIND##*:}" >/dev/null || exit 1
ENTRYPOINT ["stampede"]
CMD ["coordinator"]
