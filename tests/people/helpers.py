"""Sending CSV imports the way a partner system does, and reading what they did."""

from __future__ import annotations

from typing import Any

IMPORT = "/api/v1/people/import"
HEADER = "given_name,family_name,email,job_title,profession,seniority,line_manager_email,external_id"


def csv_of(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def post_csv(api: Any, body: str | bytes, content_type: str = "text/csv", **headers: str) -> Any:
    data = body.encode() if isinstance(body, str) else body
    return api.request("POST", IMPORT, data=data, headers={"Content-Type": content_type, **headers})


def run_import(api: Any, body: str | bytes) -> dict[str, Any]:
    """Import `body`; the test app runs jobs inline, so the job has finished: its result."""
    response = post_csv(api, body)
    assert response.status_code == 202, response.get_json()
    job = api.get(response.headers["Location"]).get_json()
    assert job["status"] == "succeeded", job
    return dict(job["result"])


def people(api: Any) -> dict[str, dict[str, Any]]:
    """The caller's staff records by email."""
    response = api.get("/api/v1/people?page_size=100")
    assert response.status_code == 200, response.get_json()
    return {p["email"]: p for p in response.get_json()}


def errors_by_row(result: dict[str, Any]) -> dict[int, list[tuple[str | None, str]]]:
    out: dict[int, list[tuple[str | None, str]]] = {}
    for error in result["errors"]:
        out.setdefault(error["row"], []).append((error["field"], error["message"]))
    return out
