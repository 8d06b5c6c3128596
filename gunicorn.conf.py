"""gunicorn's settings: `gunicorn wsgi:app` reads this file from the working directory.

Every line gunicorn writes is JSON like the app's, its access lines with the request id
(consortium.core.logging.GunicornLogger). Bind address and workers stay on the command line.
"""

logger_class = "consortium.core.logging.GunicornLogger"
accesslog = "-"  # stdout, beside the app's lines; gunicorn's own go to stderr
