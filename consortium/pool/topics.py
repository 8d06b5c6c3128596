"""Topic tags: one spelling per topic, so "Leadership Development" and "leadership-development"
match in filters and in the matching engine."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

MAX_TOPICS = 20
MAX_TOPIC_LENGTH = 40
_SEPARATORS = re.compile(r"[\s_/]+")
_UNWANTED = re.compile(r"[^a-z0-9+#&-]")
_DASHES = re.compile(r"-{2,}")


def normalise(topic: str) -> str:
    """Lower-case ASCII words joined by hyphens: " Quality  Improvement " → "quality-improvement"."""
    text = unicodedata.normalize("NFKD", topic).encode("ascii", "ignore").decode().lower()
    text = _UNWANTED.sub("", _SEPARATORS.sub("-", text.strip()))
    return _DASHES.sub("-", text).strip("-")


def normalise_all(topics: Iterable[str]) -> list[str]:
    """Each topic normalised, empties dropped, duplicates dropped (first spelling's place kept)."""
    seen: dict[str, None] = {}
    for topic in topics:
        tag = normalise(topic)
        if tag:
            seen.setdefault(tag, None)
    return list(seen)
