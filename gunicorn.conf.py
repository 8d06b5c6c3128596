"""gunicorn's settings: `gunicorn wsgi:app` reads this file from the working directory.

Every line gunicorn writes is JSON like the app's, its access lines with the request id
(consortium.core.logging.GunicornLogger). Bind address and workers stay on the command line.
"""

logger_class = "consortium.core.logging.GunicornLogger"
accesslog = "-"  # stdout, beside the app's lines; gunicorn's own go to stderr
# The longest request line gunicorn takes (its default is 4094): a query at its documented
# limits, percent-encoded, must reach the app, which answers problem+json; past this gunicorn
# answers 414 in HTML (tests/deploy/test_gunicorn.py).
limit_request_line = 8190
