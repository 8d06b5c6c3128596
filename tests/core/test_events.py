"""core.events: how a lower domain tells and asks the higher ones without importing them."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from consortium.core import events
from consortium.extensions import db
from consortium.matches import service as matches
from consortium.pool import care


@pytest.fixture
def registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Empty registries for this test: the test events are not left behind for later tests."""
    monkeypatch.setattr(events, "_subscribers", {})
    monkeypatch.setattr(events, "_answerers", {})


@pytest.mark.usefixtures("registry")
def test_every_subscriber_hears_each_event_once_in_order() -> None:
    heard: list[tuple[str, Any]] = []

    def first(**payload: Any) -> None:
        heard.append(("first", payload))

    def second(**payload: Any) -> None:
        heard.append(("second", payload))

    events.subscribe("test.told", first)
    events.subscribe("test.told", second)
    events.subscribe("test.told", first)  # again (a second create_app): still once

    events.publish("test.told", x=1)
    events.publish("test.nobody_listens", x=2)

    assert heard == [("first", {"x": 1}), ("second", {"x": 1})]


@pytest.mark.usefixtures("registry")
def test_a_question_has_one_answerer_and_an_unanswered_one_fails_loudly() -> None:
    def double(*, n: int) -> int:
        return 2 * n

    events.answer("test.double", double)
    events.answer("test.double", double)  # the same answerer again changes nothing
    assert events.ask("test.double", n=21) == 42
    with pytest.raises(RuntimeError, match="already answered"):
        events.answer("test.double", lambda *, n: n)
    with pytest.raises(LookupError, match=r"test\.unanswered"):
        events.ask("test.unanswered")


def test_the_app_answers_the_questions_lower_domains_ask(app: Flask) -> None:
    with app.app_context():
        assert events.ask(matches.SESSION_COUNTS, match_ids=[]) == {}
        # The pool's recount reads the pairings' table through the answer, without importing it.
        counted = str(events.ask(care.PLACES_TAKEN, profile_id=None).compile(db.engine))
        assert "FROM matches" in counted and "mentor_profile_id" in counted
