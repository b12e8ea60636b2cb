# syntax=docker/dockerfile:1
# Superset image of Dialoog: the bi environment from the same lock file as `make setup`
# (requirements/bi.txt) plus the Postgres driver locked against it (docker/bi-services.txt), Dialoog's
# superset/ folder (configuration, provisioning, dashboard bundle), run as a non-root user. The bundle is the
# committed YAML: its generator (dashboards/) is for changing the dashboards, not for serving them.
# Build from the repository root: docker compose build (or docker build -f docker/superset.Dockerfile .).
FROM python:3.11.14-slim-bookworm

# Same uv as the Makefile (UV_VERSION there); tests/deploy checks they agree.
ARG UV_VERSION=0.13.9
# Not the Airflow user: Superset can read the published warehouse but not the pipeline's secrets.
ARG SUPERSET_UID=50001

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    VIRTUAL_ENV=/opt/dialoog/.venv/bi \
    PATH=/opt/dialoog/.venv/bi/bin:$PATH

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && groupadd --gid "${SUPERSET_UID}" superset \
    && useradd --uid "${SUPERSET_UID}" --gid superset --home-dir /opt/dialoog --no-create-home \
       --shell /bin/bash superset

WORKDIR /opt/dialoog

COPY requirements/bi.txt requirements/bi.txt
COPY docker/bi-services.txt docker/bi-services.txt
RUN uv venv --python /usr/local/bin/python3.11 .venv/bi \
    && uv pip sync --require-hashes --compile-bytecode requirements/bi.txt docker/bi-services.txt

COPY superset superset
COPY docker/superset-entrypoint.sh docker/healthcheck.py docker/

# DIALOOG_HOME is /opt/dialoog/var as in the local demo. Its superset/ folder (metadata state, cache) is a
# volume of its own; serving/ points into the pipeline's DIALOOG_HOME volume, mounted read-only at
# /srv/dialoog, so Superset sees exactly the published warehouse at the path the bundle expects.
RUN mkdir -p var/superset \
    && ln -s /srv/dialoog/serving var/serving \
    && chown -R superset:superset var

USER ${SUPERSET_UID}:${SUPERSET_UID}
ENTRYPOINT ["/opt/dialoog/docker/superset-entrypoint.sh"]
CMD ["serve"]
