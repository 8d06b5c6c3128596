# The service image: gunicorn serves `wsgi:app`; the same image runs the worker, the scheduler
# and migrations (see README, "Running the moving parts").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CONSORTIUM_ENV=production \
    PROMETHEUS_MULTIPROC_DIR=/tmp/metrics
WORKDIR /app
# Dependencies first, in their own layer: a code change does not reinstall them. Editable, so
# the package finds migrations/ and openapi/ beside it, as in a checkout.
COPY pyproject.toml README.md ./
RUN mkdir consortium && touch consortium/__init__.py && pip install -e .
COPY . .

RUN useradd --system --uid 10001 consortium
USER consortium
EXPOSE 8000
# Several workers: /metrics aggregates them through PROMETHEUS_MULTIPROC_DIR, emptied at start.
CMD ["sh", "-c", "rm -rf \"$PROMETHEUS_MULTIPROC_DIR\" && mkdir -p \"$PROMETHEUS_MULTIPROC_DIR\" && exec gunicorn --bind 0.0.0.0:8000 --workers 4 --access-logfile - wsgi:app"]
