"""/docs works air-gapped: the page loads its scripts and styles from the app, none elsewhere."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

ASSET_TYPES = {
    ".js": {"text/javascript", "application/javascript"},
    ".css": {"text/css"},
}


class _References(HTMLParser):
    """Every src and href in a page, with the tag that holds it."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.extend(
            (tag, value) for name, value in attrs if name in {"src", "href"} and value
        )


def _docs(client: Any) -> tuple[str, list[tuple[str, str]]]:
    response = client.get("/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    parser = _References()
    parser.feed(html)
    return html, parser.found


def test_the_docs_page_references_nothing_outside_the_app(client: Any) -> None:
    html, references = _docs(client)
    assert {tag for tag, _ in references} >= {"script", "link"}
    own_host = "localhost"  # the test client's host
    foreign = [url for _, url in references if urlsplit(url).netloc not in {"", own_host}]
    assert not foreign, foreign
    # Nor does its inline script send anything elsewhere (Swagger UI's validator badge would).
    assert not re.findall(r"https?://", html), re.findall(r"https?://\S+", html)
    assert '"validatorUrl": null' in html


def test_every_asset_the_docs_page_references_is_served_by_the_app(client: Any) -> None:
    _, references = _docs(client)
    assets = [urljoin("http://localhost/docs", url) for _, url in references]
    assert len(assets) == 3, assets  # the bundle, its preset and the stylesheet
    for url in assets:
        path = urlsplit(url).path
        response = client.get(path)
        assert response.status_code == 200, path
        suffix = path[path.rindex(".") :]
        assert response.mimetype in ASSET_TYPES[suffix], (path, response.mimetype)
        assert len(response.data) > 1000, path


def test_the_docs_assets_come_from_a_pinned_installed_package() -> None:
    """What /docs serves is installed with the service (in the image too: the lock pins it),
    not copied into the repository."""
    from pathlib import Path

    import consortium.apidocs as apidocs

    shipped = {p.name for p in apidocs.ASSETS.iterdir()}
    assert {"swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"} <= shipped
    lock = (Path(apidocs.__file__).parents[2] / "requirements.lock").read_text()
    assert "\nflask-swagger-ui==" in lock
    assert not (Path(apidocs.__file__).parent / "static").exists()
