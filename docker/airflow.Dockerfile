# syntax=docker/dockerfile:1
# Airflow image of Dialoog: the pipeline environment from the same lock file as `make setup`
# (requirements/pipeline.txt) plus the service extras locked against it (docker/pipeline-services.txt:
# Postgres driver, Celery executor), the project installed, run as a non-root user.
# Build from the repository root: docker compose build (or docker build -f docker/airflow.Dockerfile .).
# Not in the image: the demo data generator (demo/) and the benchmarks (bench/); demo exports come from a
# checkout (docs/deployment.md).
# The Data Docs' CSS and scripts, from the npm registry as `make setup` installs them (package-lock.json), so
# the validation pages load nothing from a CDN (expectations/data_docs.py copies them next to the pages).
FROM node:20.19.5-bookworm-slim AS data-docs-assets
WORKDIR /vendor
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund --loglevel=error

FROM python:3.11.14-slim-bookworm

# Same uv as the Makefile (UV_VERSION there); tests/deploy checks they agree.
ARG UV_VERSION=0.13.9
ARG DIALOOG_UID=50000

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_PYTHON_DOWNLOADS=never \
    UV_NO_CACHE=1 \
    VIRTUAL_ENV=/opt/dialoog/.venv/pipeline \
    PATH=/opt/dialoog/.venv/pipeline/bin:$PATH

RUN pip install --no-cache-dir "uv==${UV_VERSION}" \
    && groupadd --gid "${DIALOOG_UID}" dialoog \
    && useradd --uid "${DIALOOG_UID}" --gid dialoog --home-dir /opt/dialoog --no-create-home \
       --shell /bin/bash dialoog

WORKDIR /opt/dialoog

# The environment at the path the scripts expect ($ROOT/.venv/pipeline), so scripts/*.sh run unchanged.
COPY requirements/pipeline.txt requirements/pipeline.txt
COPY docker/pipeline-services.txt docker/pipeline-services.txt
RUN uv venv --python /usr/local/bin/python3.11 .venv/pipeline \
    && uv pip sync --require-hashes --compile-bytecode requirements/pipeline.txt docker/pipeline-services.txt

COPY pyproject.toml ./
COPY core core
COPY ingestion ingestion
COPY expectations expectations
COPY steps steps
COPY release release
COPY factsheets factsheets
# Editable, as the Makefile installs it: the steps find dbt_project/ and var/ relative to the source tree.
RUN uv pip install --no-deps -e .

COPY --from=data-docs-assets /vendor/node_modules node_modules
COPY dags dags
COPY scripts scripts
COPY docker/airflow-entrypoint.sh docker/healthcheck.py docker/
# The DAGs import the steps from the source tree (PYTHONPATH of scripts/env.sh): compile it at build time,
# as the Makefile compiles the environment, so the first task imports are not slowed.
RUN python -m compileall -q dags core ingestion expectations steps release factsheets
# dbt writes .user.yml next to profiles.yml; DIALOOG_HOME (var/) is the named volume's initial content,
# so the volume starts out owned by the non-root user.
COPY --chown=dialoog:dialoog dbt_project dbt_project
RUN mkdir -p var && chown dialoog:dialoog var

USER ${DIALOOG_UID}:${DIALOOG_UID}
ENTRYPOINT ["/opt/dialoog/docker/airflow-entrypoint.sh"]
CMD ["airflow", "version"]
