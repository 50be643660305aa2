# Stand-in for postgres:15-bookworm from Debian 12's postgresql-15, because no container
# registry is reachable here. It honours the variables the compose file sets (POSTGRES_USER,
# POSTGRES_PASSWORD, POSTGRES_DB) the way the official image does on first start.
FROM debian:12
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql-15 \
 && rm -rf /var/lib/apt/lists/* \
 && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data \
 && install -d -o postgres -g postgres /var/run/postgresql
COPY postgres-entry.sh /usr/local/bin/postgres-entry.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-entry.sh"]
