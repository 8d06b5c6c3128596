"""The interactive API docs' browser assets (Swagger UI), served by the app itself.

/docs is flask-smorest's Swagger UI page; its scripts and stylesheet come from this package's
static folder rather than a CDN, so the docs work on a network that reaches only the service
(and a page of the API's own host cannot be altered by a third party's server).
"""

from __future__ import annotations

from flask import Blueprint

# The swagger-ui-dist release in static/swagger-ui (see the README there).
SWAGGER_UI_VERSION = "5.35.0"
# Where the page finds them: flask-smorest appends each file's name.
SWAGGER_UI_URL = "/docs/swagger-ui/"

blp = Blueprint(
    "apidocs",
    __name__,
    static_folder="static/swagger-ui",
    static_url_path=SWAGGER_UI_URL.rstrip("/"),
)
