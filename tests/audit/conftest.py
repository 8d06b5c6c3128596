"""The audit trail tests reuse the pairing workflow's world (tests/matches/conftest.py)."""

from __future__ import annotations

from tests.matches.conftest import delta, gamma, pool, world  # noqa: F401 - fixtures
