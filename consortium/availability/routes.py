"""Availability routes: a mentor's rules, days off and calendar feed, and their free slots
(/api/v1/mentor-profiles/{id}/…), and the consortium-wide slot search (/api/v1/slots).

Reading follows who may see the profile (404 otherwise); changing rules and days off is for the
mentor and whoever manages their organisation, the calendar feed for the mentor and their
organisation's admins (403 for others who see the profile).
"""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.availability import service
from consortium.availability.models import AvailabilityException, AvailabilityRule, BusyFeed
from consortium.availability.schemas import (
    AvailabilityExceptionSchema,
    AvailabilityRuleSchema,
    AvailabilityRuleUpdateSchema,
    BusyFeedSchema,
    MentorSlotsSchema,
    SlotQuerySchema,
    SlotSchema,
    SlotSearchQuerySchema,
)
from consortium.availability.slots import Slot
from consortium.core.api import Blueprint

blp = Blueprint(
    "availability",
    __name__,
    url_prefix="/api/v1/mentor-profiles",
    description="A mentor's availability: recurring windows, days off, a calendar feed, and "
    "the free slots computed from them.",
)
search = Blueprint(
    "slots",
    __name__,
    url_prefix="/api/v1/slots",
    description="Free slots across a consortium's pool of mentors.",
)


@blp.route("/<uuid:profile_id>/availability")
class Rules(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.response(200, AvailabilityRuleSchema(many=True))
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID) -> list[Any]:
        """List a mentor's availability rules, oldest first.

        For anyone who may see the mentor's profile; created_by only for those who may change
        the rules (the mentor, their organisation's admins and clients, platform admins).
        """
        return service.list_rules(profile_id=profile_id)

    @blp.auth("pool:write", "platform:admin")
    @blp.idempotent
    @blp.arguments(AvailabilityRuleSchema)
    @blp.response(201, AvailabilityRuleSchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any], profile_id: uuid.UUID) -> AvailabilityRule:
        """Add a recurring window of availability (the mentor, or their organisation's admins).

        dtstart is a local wall-clock time in the rule's time zone, so a weekly 09:00 stays
        09:00 through the clock changes. A rule that cannot be read or yields no occurrence is
        refused (422 naming the field, with the reason).
        """
        return service.add_rule(profile_id=profile_id, **data)


@blp.route("/<uuid:profile_id>/availability/<uuid:rule_id>")
class RuleItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, AvailabilityRuleSchema)
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID, rule_id: uuid.UUID) -> Any:
        """Show an availability rule; its ETag is what a change needs in If-Match.

        created_by is shown only to those who may change the rule.
        """
        return service.show_rule(profile_id=profile_id, rule_id=rule_id)

    @blp.auth("pool:write", "platform:admin")
    @blp.etag
    @blp.arguments(AvailabilityRuleUpdateSchema)
    @blp.response(200, AvailabilityRuleSchema)
    @blp.errors(404)
    def patch(
        self, changes: dict[str, Any], profile_id: uuid.UUID, rule_id: uuid.UUID
    ) -> AvailabilityRule:
        """Change an availability rule (send If-Match).

        The changed rule is checked as a whole, as when it was added.
        """
        rule = service.get_rule(profile_id=profile_id, rule_id=rule_id)
        service.require_rule_editor(rule)  # before the ETag: a refusal should not say 412
        blp.check_etag(rule, AvailabilityRuleSchema)
        return service.update_rule(rule=rule, changes=changes)

    @blp.auth("pool:write", "platform:admin")
    @blp.if_match
    @blp.response(204)
    @blp.errors(404)
    def delete(self, profile_id: uuid.UUID, rule_id: uuid.UUID) -> None:
        """Remove an availability rule (send If-Match).

        Sessions already booked in its windows stay booked. Refusals come in the order 404, 403,
        then 428/412.
        """
        rule = service.get_rule(profile_id=profile_id, rule_id=rule_id)
        service.require_rule_editor(rule)
        blp.require_if_match(rule, AvailabilityRuleSchema)
        service.delete_rule(rule=rule)


@blp.route("/<uuid:profile_id>/availability-exceptions")
class Exceptions(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.response(200, AvailabilityExceptionSchema(many=True))
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID) -> list[Any]:
        """List a mentor's days off, earliest first.

        For anyone who may see the mentor's profile; reason and created_by only for those who
        may change them (the mentor, their organisation's admins and clients, platform admins).
        """
        return service.list_exceptions(profile_id=profile_id)

    @blp.auth("pool:write", "platform:admin")
    @blp.idempotent
    @blp.arguments(AvailabilityExceptionSchema)
    @blp.response(201, AvailabilityExceptionSchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any], profile_id: uuid.UUID) -> AvailabilityException:
        """Mark whole days off, from starts_on to ends_on inclusive.

        Days are local days in the given time zone (a clock-change day included whole). No
        slots are offered on them; sessions already booked stay booked.
        """
        return service.add_exception(profile_id=profile_id, **data)


@blp.route("/<uuid:profile_id>/availability-exceptions/<uuid:exception_id>")
class ExceptionItem(MethodView):
    @blp.auth("pool:write", "platform:admin")
    @blp.response(204)
    @blp.errors(404)
    def delete(self, profile_id: uuid.UUID, exception_id: uuid.UUID) -> None:
        """Remove days off (the mentor, or their organisation's admins)."""
        service.delete_exception(profile_id=profile_id, exception_id=exception_id)


@blp.route("/<uuid:profile_id>/busy-feed")
class Feed(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.response(200, BusyFeedSchema)
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID) -> BusyFeed:
        """Show the state of a mentor's calendar feed (never its address).

        For the mentor and their organisation's admins; 404 if no feed is set.
        """
        return service.get_feed(profile_id=profile_id)

    @blp.auth("pool:write", "platform:admin")
    @blp.arguments(BusyFeedSchema)
    @blp.response(200, BusyFeedSchema)
    @blp.errors(404)
    def put(self, data: dict[str, Any], profile_id: uuid.UUID) -> BusyFeed:
        """Set the address of the mentor's free/busy calendar feed, and fetch it now.

        The https:// address of an ICS feed (Outlook's or Google's published calendar). It is
        fetched every hour; busy times in the next 92 days remove free slots, and nothing else
        of the calendar is kept or shown. Setting it again replaces it.
        """
        return service.set_feed(profile_id=profile_id, url=data["url"])

    @blp.auth("pool:write", "platform:admin")
    @blp.response(204)
    @blp.errors(404)
    def delete(self, profile_id: uuid.UUID) -> None:
        """Remove the calendar feed and the busy times it brought."""
        service.remove_feed(profile_id=profile_id)


@blp.route("/<uuid:profile_id>/slots")
class ProfileSlots(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(SlotQuerySchema, location="query")
    @blp.response(200, SlotSchema(many=True))
    @blp.paginate_list(key=lambda slot: (slot.start,), page_size=100, max_page_size=500)
    @blp.errors(404)
    def get(self, args: dict[str, Any], profile_id: uuid.UUID) -> list[Slot]:
        """List a mentor's free slots between start and end (at most 92 days), earliest first.

        Free time is the mentor's windows less their days off, busy times from their calendar
        feed and sessions already booked. Slots of `duration` minutes are cut one after another
        from the start of each free period; none starts in the past.
        """
        return service.profile_slots(
            profile_id=profile_id,
            start=args["start"],
            end=args["end"],
            duration_minutes=args["duration"],
        )


@search.route("")
class SlotSearch(MethodView):
    @search.auth("pool:read", "consortium:coordinate", "platform:admin")
    @search.arguments(SlotSearchQuerySchema, location="query")
    @search.response(200, MentorSlotsSchema(many=True))
    @search.paginate_list(
        # The page's mentors only are presented (their profiles' visible fields).
        key=lambda found: (found.slots[0].start, found.profile.id),
        present=service.present_search,
    )
    @search.errors(404)
    def get(self, args: dict[str, Any]) -> list[service.MentorSlots]:
        """Find mentors of a consortium's pool with free time, each with their earliest slots.

        Mentors released to the consortium whom you may see, active, vetted and with a place
        free (optionally with a topic), each with their earliest `per_mentor` free slots between
        start and end; mentors with none are left out. Ordered by earliest slot and paginated
        by mentor. 404 for a consortium you are not in.
        """
        return service.search_slots(
            consortium_id=args["consortium_id"],
            topic=args.get("topic"),
            start=args["start"],
            end=args["end"],
            duration_minutes=args["duration"],
            per_mentor=args["per_mentor"],
        )
