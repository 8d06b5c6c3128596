"""The interactive API docs' browser assets (Swagger UI), served by the app itself.

/docs is flask-smorest's Swagger UI page; its scripts and stylesheet come from an installed
package rather than a CDN, so the docs work on a network that reaches only the service (and a
page of the API's own host cannot be altered by a third party's server). The files are those
the `flask-swagger-ui` package ships (Swagger UI 5, MIT/Apache-2.0), pinned with the other
dependencies in requirements.lock: nothing of Swagger UI is copied into this repository.
Only its `dist` folder is used, not its blueprint (flask-smorest renders the page).
"""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint

# Where the page finds them: flask-smorest appends each file's name.
SWAGGER_UI_URL = "/docs/swagger-ui/"
# swagger-ui-bundle.js, swagger-ui-standalone-preset.js and swagger-ui.css, among others.
ASSETS = files("flask_swagger_ui") / "dist"

blp = Blueprint(
    "apidocs",
    __name__,
    static_folder=str(ASSETS),
    static_url_path=SWAGGER_UI_URL.rstrip("/"),
)
