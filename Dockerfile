# The service image: gunicorn serves `wsgi:app`; the same image runs the worker, the scheduler
# and migrations (see README, "Running the moving parts").
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 CONSORTIUM_ENV=production
WORKDIR /app
COPY . .
# Editable, so the package finds migrations/ and openapi/ beside it, as in a checkout.
RUN pip install -e .

RUN useradd --system --uid 10001 consortium
USER consortium
EXPOSE 8000
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "--workers", "4", "--access-logfile", "-", "wsgi:app"]
