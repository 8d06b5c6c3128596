"""In-process hooks between domains, so that dependencies point one way (see the layers in
pyproject.toml's [tool.importlinter]).

A lower domain names an event or a question; a higher one reacts or answers:
- `publish(event, **payload)` calls every handler `subscribe`d to it (none is fine);
- `ask(question, **payload)` returns the answer of the one handler that `answer`s it.
Handlers run synchronously, in the caller's transaction and as its principal, in the order
they were registered. Each domain registers its handlers in its `hooks.connect()`, called
once at app setup (create_app); registering the same handler again changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Handler = Callable[..., Any]

_subscribers: dict[str, list[Handler]] = {}
_answerers: dict[str, Handler] = {}


def subscribe(event: str, handler: Handler) -> None:
    """Call `handler(**payload)` whenever `event` is published."""
    handlers = _subscribers.setdefault(event, [])
    if handler not in handlers:
        handlers.append(handler)


def publish(event: str, **payload: Any) -> None:
    """Tell every subscriber of `event`; their errors propagate to the publisher."""
    for handler in _subscribers.get(event, ()):
        handler(**payload)


def answer(question: str, handler: Handler) -> None:
    """Make `handler(**payload)` the answer to `question` (one answerer per question)."""
    existing = _answerers.get(question)
    if existing is not None and existing is not handler:
        raise RuntimeError(f"{question!r} is already answered by {existing.__qualname__}.")
    _answerers[question] = handler


def ask(question: str, **payload: Any) -> Any:
    """The answer to `question`; a question nobody answers is a wiring bug, not an empty reply."""
    handler = _answerers.get(question)
    if handler is None:
        raise LookupError(f"Nothing answers {question!r}: is its domain connected in create_app?")
    return handler(**payload)
