"""Special-category data: the person's own attributes and consents; aggregate reports."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.sensitive import reports, service
from consortium.sensitive.models import Consent
from consortium.sensitive.schemas import AttributesSchema, ConsentSchema, EqualityReportSchema

blp = Blueprint(
    "sensitive",
    __name__,
    url_prefix="/api/v1",
    description="Special-category data: self-declared attributes, consents, aggregate reports.",
)

ONLY_YOU = (
    "Only you, signed in as yourself, can read or change these: not your organisation's admins, "
    "not coordinators, not API clients or the platform (403). They are stored encrypted and used "
    "only where you consent to it, or counted (never shown) in equality reports."
)

REPORT_DESCRIPTION = (
    "For the coordinators of the consortium running the programme (and platform admins); others "
    "who can see the programme get 403, anyone else 404. For each attribute: how many of the "
    "programme's open applicants declared each value, and how many did not declare it; no one's "
    "own value is ever shown. " + reports.SUPPRESSION_RULE
)


@blp.route("/me/sensitive-attributes")
class MySensitiveAttributes(MethodView):
    @blp.auth()
    @blp.etag
    @blp.response(200, AttributesSchema, description=ONLY_YOU)
    def get(self) -> dict[str, Any]:
        """Show the special-category attributes you have declared (null where undeclared)."""
        return service.get_my_attributes()

    @blp.auth()
    @blp.etag
    @blp.arguments(AttributesSchema)
    @blp.response(200, AttributesSchema, description=ONLY_YOU)
    @blp.errors(428, 412)
    def put(self, attributes: dict[str, Any]) -> dict[str, Any]:
        """Replace your declared attributes (send If-Match from GET); omitted ones are undeclared.

        Every field is optional and nullable: null or absent means you prefer not to say. An
        unknown field or value is refused (422, naming the field).
        """
        blp.check_etag(service.get_my_attributes(), AttributesSchema)
        return service.replace_my_attributes(attributes=attributes)

    @blp.auth()
    @blp.response(204)
    def delete(self) -> None:
        """Erase your declared attributes.

        Erasing needs no If-Match: whatever was declared is gone, and doing it again changes
        nothing. Consents you gave stay on record, but with nothing declared they are not used.
        """
        service.erase_my_attributes()


@blp.route("/me/consents")
class MyConsents(MethodView):
    @blp.auth()
    @blp.response(200, ConsentSchema(many=True))
    @blp.paginate_sql()
    def get(self) -> Any:
        """List your consents to use your declared attributes, newest first."""
        return service.list_my_consents()

    @blp.auth()
    @blp.idempotent
    @blp.arguments(ConsentSchema)
    @blp.response(201, ConsentSchema)
    @blp.alt_response(200, schema=ConsentSchema, description="You already gave this consent.")
    @blp.errors(404, 422)
    def post(self, data: dict[str, Any]) -> tuple[Consent, int]:
        """Consent to a programme using your declared attributes for positive-action eligibility.

        The programme must be one you can see (404 otherwise) and have a positive-action rule
        (422 otherwise: there is nothing to consent to). The statement you agree to is stored
        with the consent. While a consent to the same programme is valid, giving it again
        returns that consent with 200 and records nothing new.
        """
        consent, created = service.give_consent(programme_id=data["programme_id"])
        return consent, 201 if created else 200


@blp.route("/me/consents/<uuid:consent_id>")
class MyConsent(MethodView):
    @blp.auth()
    @blp.response(200, ConsentSchema)
    @blp.errors(404)
    def get(self, consent_id: uuid.UUID) -> Consent:
        """Show one of your consents."""
        return service.get_my_consent(consent_id=consent_id)


@blp.route("/me/consents/<uuid:consent_id>/withdraw")
class MyConsentWithdrawal(MethodView):
    @blp.auth()
    @blp.response(200, ConsentSchema)
    @blp.errors(404, 409)
    def post(self, consent_id: uuid.UUID) -> Consent:
        """Withdraw one of your consents; it stops being used at once.

        Needs no If-Match: withdrawal is one-way. Applications that relied on the consent are
        withdrawn by the programme. Withdrawing a consent already withdrawn is a 409.
        """
        return service.withdraw_consent(consent_id=consent_id)


@blp.route("/reports/programmes/<uuid:programme_id>/equality")
class ProgrammeEqualityReport(MethodView):
    @blp.auth("consortium:coordinate")
    @blp.response(200, EqualityReportSchema)
    @blp.errors(404)
    @blp.doc(description=REPORT_DESCRIPTION)
    def get(self, programme_id: uuid.UUID) -> dict[str, Any]:
        """Count declared attributes across a programme's open applications."""
        return reports.equality_report(programme_id=programme_id)
