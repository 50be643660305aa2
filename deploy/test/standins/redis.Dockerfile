# Stand-in for redis:7.2-bookworm, built from Debian 12's redis-server package because no
# container registry is reachable here. deploy/test/run builds it; users run the real image.
FROM debian:12
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends redis-server \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /var/lib/redis
USER redis
# As the official image does: reachable from the compose network, no config file, so the
# compose file's own flags decide persistence.
ENTRYPOINT ["/bin/sh", "-c", "exec \"$@\" --bind 0.0.0.0 --protected-mode no", "redis-entry"]
CMD ["redis-server"]
