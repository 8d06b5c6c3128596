"""Reading the pages as a browser and an assistive technology would: their structure, and
whether a link in a message opens one of them."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

URL = re.compile(r"https?://[^\s<>\"]+")


@dataclass
class Page(HTMLParser):
    """What matters of an HTML document: lang, headings, ids, labels, inputs, links, text."""

    lang: str | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    labels_for: set[str] = field(default_factory=set)
    inputs: list[dict[str, str]] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    text: str = ""
    _heading: int | None = None
    _heading_text: str = ""

    def __post_init__(self) -> None:
        super().__init__()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.lang = a.get("lang")
        if "id" in a:
            assert a["id"] not in self.ids, f"duplicate id {a['id']}"
            self.ids.add(a["id"])
        if tag == "label" and "for" in a:
            self.labels_for.add(a["for"])
        if tag in ("input", "select", "textarea"):
            self.inputs.append(a)
        if tag == "a" and "href" in a:
            self.links.append(a["href"])
        if re.fullmatch(r"h[1-6]", tag):
            self._heading, self._heading_text = int(tag[1]), ""

    def handle_endtag(self, tag: str) -> None:
        if self._heading is not None and tag == f"h{self._heading}":
            self.headings.append((self._heading, " ".join(self._heading_text.split())))
            self._heading = None

    def handle_data(self, data: str) -> None:
        self.text += data
        if self._heading is not None:
            self._heading_text += data

    @property
    def words(self) -> str:
        return " ".join(self.text.split())


def page(response: Any, status: int = 200) -> Page:
    """The response as an accessible HTML page: checked, then parsed."""
    body = response.get_data(as_text=True)
    assert response.status_code == status, (response.status_code, body[:500])
    assert response.mimetype == "text/html", response.mimetype
    assert response.headers["Cache-Control"] == "no-store"
    parsed = Page()
    parsed.feed(body)
    assert parsed.lang == "en-GB"
    levels = [level for level, _ in parsed.headings]
    assert levels.count(1) == 1, parsed.headings
    assert levels[0] == 1 and all(b <= a + 1 for a, b in itertools.pairwise(levels)), (
        parsed.headings
    )
    for control in parsed.inputs:
        if control.get("type") != "hidden":
            assert control.get("id") in parsed.labels_for, f"unlabelled control {control}"
    return parsed


def urls_in(text: str) -> list[str]:
    return [u.rstrip(".,;)") for u in URL.findall(text)]


def assert_opens(browser: Any, url: str) -> Page:
    """`url` (from a message) opens, for this signed-in browser, an HTML page that has the
    fragment's target; returns the page."""
    parts = urlsplit(url)
    assert (parts.scheme, parts.netloc) == ("http", "localhost"), url  # PUBLIC_BASE_URL
    assert not parts.path.startswith("/api/"), f"a JSON API path in a message: {url}"
    shown = page(browser.get(parts.path, query_string=parts.query))
    if parts.fragment:
        assert parts.fragment in shown.ids, f"{url}: no element with id {parts.fragment}"
    return shown
