# The service image: gunicorn serves `wsgi:app`; the same image runs the worker, the scheduler
# and migrations (see README, "Running the moving parts").
#
# The base is pinned by digest, so a rebuild gets the same bytes whatever the tag now points
# at; the tag says which release it is. Move both together, to the digest that
#   docker buildx imagetools inspect python:3.11-slim-bookworm
# reports (the digest below is python:3.11.13-slim-bookworm's multi-platform index).
FROM python:3.11.13-slim-bookworm@sha256:86adf8dbadc3d6e82ee5dd2c74bec2e1c2467cdad47886280501df722372d2e1 AS base

# Dependencies: exactly requirements.lock (`make lock`), each wheel checked against its hash,
# nothing built from source, into a virtualenv the runtime stage copies. No compiler, no pip
# cache and no lock file reach the image.
FROM base AS build
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
COPY requirements.lock /tmp/requirements.lock
RUN python -m venv /opt/venv \
    && /opt/venv/bin/pip install --no-deps --require-hashes --only-binary :all: \
        -r /tmp/requirements.lock

FROM base
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 CONSORTIUM_ENV=production \
    PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
# A numeric user and group, so Kubernetes' runAsNonRoot can verify the image's USER; no home
# directory (nothing may write there: the root filesystem can be read-only).
RUN groupadd --system --gid 10001 consortium \
    && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin consortium
COPY --from=build /opt/venv /opt/venv
# The code as in a checkout (PYTHONPATH), so the package finds migrations/ and openapi/ beside
# it; owned by root, so the service cannot change it.
WORKDIR /app
COPY . .
# The development identity provider never reaches an image (.dockerignore leaves it out; a
# mistake there fails the build here). Bytecode is compiled now: at run time nothing writes.
RUN test ! -e consortium/devidp \
    && python -m compileall -q consortium migrations wsgi.py

USER 10001:10001
EXPOSE 8000
# Several workers: /metrics aggregates them through PROMETHEUS_MULTIPROC_DIR, emptied at start.
# No control socket (gunicorn would make one under $HOME, which is not there to write to), and
# the workers' heartbeat files in memory rather than on the image's filesystem.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn --bind 0.0.0.0:8000 --workers 4 --access-logfile - --no-control-socket --worker-tmp-dir /dev/shm wsgi:app"]
