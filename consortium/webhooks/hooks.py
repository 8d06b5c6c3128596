"""How the webhooks domain hears of the changes it announces (see consortium.core.events).

Every domain below publishes; none imports this one. Each handler turns one change into what
each organisation concerned may see of it (webhooks.events) and writes the deliveries.
"""

from __future__ import annotations

from consortium.core import events
from consortium.identity import roles
from consortium.matches import service as matches
from consortium.matches.models import Match
from consortium.matching import jobs as matching
from consortium.matching.models import MatchingRun
from consortium.people import service as people
from consortium.people.models import Person
from consortium.programmes import service as programmes
from consortium.programmes.models import Application, Programme
from consortium.sessions import service as sessions
from consortium.sessions.models import MentoringSession
from consortium.webhooks import events as told
from consortium.webhooks import service


def connect() -> None:
    """Pairings, sessions, applications, staff records and matching runs are announced."""
    events.subscribe(matches.MATCH_CHANGED, _match_changed)
    events.subscribe(sessions.SESSION_CHANGED, _session_changed)
    events.subscribe(programmes.APPLICATION_CHANGED, _application_changed)
    events.subscribe(people.PERSON_CHANGED, _person_changed)
    events.subscribe(matching.RUN_FINISHED, _run_finished)


def _match_changed(*, match: Match, change: str) -> None:
    service.emit(f"match.{change}", told.match_data(match))


def _session_changed(*, session: MentoringSession, change: str) -> None:
    service.emit(f"session.{change}", told.session_data(session))


def _application_changed(*, application: Application, previous: str | None) -> None:
    service.emit("application.status_changed", told.application_data(application, previous))


def _person_changed(*, person: Person, change: str) -> None:
    service.emit(f"person.{change}", told.person_data(person))


def _run_finished(*, run: MatchingRun, programme: Programme, status: str) -> None:
    # The run is the consortium's: its coordinators' organisations hear of it.
    coordinators = roles.list_coordinators(consortium_id=programme.consortium_id)
    organisations = {person.organisation_id for person in coordinators}
    service.emit("matching_run.finished", told.run_data(run, programme, status, organisations))
