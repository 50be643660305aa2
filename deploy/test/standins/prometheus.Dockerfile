# Stand-in for prom/prometheus:v2.42.0 from Debian 12's prometheus package (the same 2.42.0),
# because no container registry is reachable here. deploy/test/run builds it.
FROM debian:12
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus wget \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o nobody -g nogroup /prometheus
USER nobody
WORKDIR /prometheus
# The compose file passes the flags, as with the official image's ENTRYPOINT.
ENTRYPOINT ["/usr/bin/prometheus"]
