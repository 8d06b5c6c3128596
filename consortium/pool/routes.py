"""/api/v1/mentor-profiles: offers to mentor or coach, and the consortium pool."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.pool import service
from consortium.pool.models import CpdEntry
from consortium.pool.schemas import (
    CpdEntrySchema,
    MentorProfileCreateSchema,
    MentorProfileQuerySchema,
    MentorProfileSchema,
    MentorProfileUpdateSchema,
    VettingDecisionSchema,
)

blp = Blueprint(
    "pool",
    __name__,
    url_prefix="/api/v1/mentor-profiles",
    description="Mentor and coach profiles: the pool member organisations share.",
)


@blp.route("")
class MentorProfiles(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.arguments(MentorProfileQuerySchema, location="query")
    @blp.response(200, MentorProfileSchema(many=True))
    @blp.paginate_sql(present=service.present)
    def get(self, filters: dict[str, Any]) -> Any:
        """List the mentor profiles you may see: your colleagues' and the pools shared with you.

        Another organisation's profile appears once its org admin has released it and it is
        shared with your consortium or your organisation; you then see its public fields.
        """
        return service.list_profiles(**filters)

    @blp.auth("pool:write", "platform:admin")
    @blp.idempotent
    @blp.arguments(MentorProfileCreateSchema)
    @blp.response(201, MentorProfileSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Offer to mentor or coach (for yourself, or for a colleague as their org admin).

        New profiles await vetting; sharing beyond your organisation takes effect once an org
        admin releases the profile.
        """
        return service.present_one(service.create_profile(**data))


@blp.route("/<uuid:profile_id>")
class MentorProfileItem(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.etag
    @blp.response(200, MentorProfileSchema)
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID) -> dict[str, Any]:
        """Show a mentor profile (in full to the mentor, their admins and assessing coordinators)."""
        return service.present_one(service.get_profile(profile_id=profile_id))

    @blp.auth("pool:write", "platform:admin")
    @blp.etag
    @blp.arguments(MentorProfileUpdateSchema)
    @blp.response(200, MentorProfileSchema)
    @blp.errors(404, 409)
    def patch(self, changes: dict[str, Any], profile_id: uuid.UUID) -> dict[str, Any]:
        """Change a mentor profile (send If-Match); a new sharing needs a new release."""
        profile = service.get_profile(profile_id=profile_id)
        service.require_editor(profile)  # before the ETag: a refusal should not say 412
        blp.check_etag(service.present_one(profile), MentorProfileSchema)
        return service.present_one(service.update_profile(profile=profile, changes=changes))


@blp.route("/<uuid:profile_id>/release")
class MentorProfileRelease(MethodView):
    @blp.auth("organisation:admin")
    @blp.response(200, MentorProfileSchema)
    @blp.errors(404, 409)
    def post(self, profile_id: uuid.UUID) -> dict[str, Any]:
        """Release a mentor to the shared pool: the employer's approval of their time.

        For an admin of the mentor's organisation. The profile must be shared beyond the
        organisation; changing its sharing later withdraws the release. When a consortium of
        the organisation sets mentor_training_required, the mentor must have logged mentor
        training (a CPD entry of kind training) first, else 409.
        """
        profile = service.release(profile=service.get_profile(profile_id=profile_id))
        return service.present_one(profile)


@blp.route("/<uuid:profile_id>/vetting")
class MentorProfileVetting(MethodView):
    @blp.auth("organisation:admin", "consortium:coordinate")
    @blp.arguments(VettingDecisionSchema)
    @blp.response(200, MentorProfileSchema)
    @blp.errors(404, 409)
    def post(self, data: dict[str, Any], profile_id: uuid.UUID) -> dict[str, Any]:
        """Record a vetting decision: approved (with an expiry date), pending or suspended.

        For an admin of the mentor's organisation, or a coordinator of a consortium the profile
        is shared with. The mentor is told by email. Approval resumes a profile that expired
        vetting had paused.
        """
        profile = service.get_profile(profile_id=profile_id)
        return service.present_one(service.decide_vetting(profile=profile, **data))


@blp.route("/<uuid:profile_id>/cpd")
class MentorProfileCpd(MethodView):
    @blp.auth("pool:read", "platform:admin")
    @blp.response(200, CpdEntrySchema(many=True))
    @blp.paginate_sql()
    @blp.errors(404)
    def get(self, profile_id: uuid.UUID) -> Any:
        """List a mentor's supervision and CPD log, most recent first (the mentor and admins)."""
        return service.list_cpd(profile=service.get_profile(profile_id=profile_id))

    @blp.auth("pool:write", "platform:admin")
    @blp.idempotent
    @blp.arguments(CpdEntrySchema)
    @blp.response(201, CpdEntrySchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any], profile_id: uuid.UUID) -> CpdEntry:
        """Log supervision, training or reflection (the mentor, or their org admins)."""
        profile = service.get_profile(profile_id=profile_id)
        return service.add_cpd(profile=profile, **data)
