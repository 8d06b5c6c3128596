"""gunicorn's settings (gunicorn.conf.py) against the spec: every query the spec allows reaches
the app, which answers it in problem+json; gunicorn's own 414 is an HTML page."""

from __future__ import annotations

import json
import runpy
from pathlib import Path

from consortium.openapi import SPEC_PATH

ROOT = Path(__file__).resolve().parents[2]
WORST_ENCODED = 12  # a 4-byte UTF-8 character, percent-encoded: %F0%9F%98%80


def test_a_query_one_past_its_documented_limit_fits_gunicorns_request_line() -> None:
    """Fuzzers (and clients) send a parameter one character too long to be told so: even
    fully percent-encoded, that request line must fit, or gunicorn answers it, in HTML."""
    limit = runpy.run_path(str(ROOT / "gunicorn.conf.py")).get("limit_request_line", 4094)
    spec = json.loads(Path(SPEC_PATH).read_text())
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                longest = parameter.get("schema", {}).get("maxLength")
                if parameter.get("in") != "query" or longest is None:
                    continue
                line = f"{method.upper()} {path}?{parameter['name']}= HTTP/1.1"
                length = len(line) + 100 + (longest + 1) * WORST_ENCODED  # 100: path values
                assert length <= limit, (method, path, parameter["name"], length, limit)
