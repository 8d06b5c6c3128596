"""/api/v1/organisations/{id}/webhooks: an organisation's endpoints and their deliveries."""

from __future__ import annotations

import uuid
from typing import Any

from flask.views import MethodView

from consortium.core.api import Blueprint
from consortium.webhooks import service
from consortium.webhooks.models import WebhookDelivery, WebhookEndpoint
from consortium.webhooks.schemas import (
    CreatedWebhookEndpointSchema,
    WebhookDeliverySchema,
    WebhookEndpointSchema,
    WebhookEndpointUpdateSchema,
)

blp = Blueprint(
    "webhooks",
    __name__,
    url_prefix="/api/v1/organisations/<uuid:organisation_id>/webhooks",
    description="Signed event deliveries (Standard Webhooks) to an organisation's endpoints.",
)
# An org admin, or the organisation's own client granted webhooks:manage.
MANAGE = ("organisation:admin", service.MANAGE_SCOPE)


@blp.route("")
class Endpoints(MethodView):
    @blp.auth(*MANAGE)
    @blp.response(200, WebhookEndpointSchema(many=True))
    @blp.paginate_sql()
    @blp.errors(404)
    def get(self, organisation_id: uuid.UUID) -> Any:
        """List the organisation's webhook endpoints (never their secrets)."""
        return service.list_endpoints(organisation_id=organisation_id)

    @blp.auth(*MANAGE)
    @blp.idempotent
    @blp.arguments(WebhookEndpointSchema)
    @blp.response(201, CreatedWebhookEndpointSchema)
    @blp.errors(404)
    def post(self, data: dict[str, Any], organisation_id: uuid.UUID) -> dict[str, Any]:
        """Create a webhook endpoint; its signing secret is shown only in this response."""
        endpoint, secret = service.create_endpoint(organisation_id=organisation_id, **data)
        shown = {name: getattr(endpoint, name) for name in WebhookEndpointSchema().fields}
        return {**shown, "secret": secret}


@blp.route("/<uuid:webhook_id>")
class Endpoint(MethodView):
    @blp.auth(*MANAGE)
    @blp.etag
    @blp.response(200, WebhookEndpointSchema)
    @blp.errors(404)
    def get(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> WebhookEndpoint:
        """Show a webhook endpoint (never its secret)."""
        return service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)

    @blp.auth(*MANAGE)
    @blp.etag
    @blp.arguments(WebhookEndpointUpdateSchema)
    @blp.response(200, WebhookEndpointSchema)
    @blp.errors(404)
    def patch(
        self, changes: dict[str, Any], organisation_id: uuid.UUID, webhook_id: uuid.UUID
    ) -> WebhookEndpoint:
        """Change a webhook endpoint, or enable it again after it was disabled (send If-Match)."""
        endpoint = service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)
        blp.check_etag(endpoint, WebhookEndpointSchema)
        return service.update_endpoint(endpoint=endpoint, changes=changes)

    @blp.auth(*MANAGE)
    @blp.etag
    @blp.response(204)
    @blp.errors(404)
    def delete(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> None:
        """Delete a webhook endpoint and its deliveries (send If-Match)."""
        endpoint = service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)
        blp.check_etag(endpoint, WebhookEndpointSchema)
        service.delete_endpoint(endpoint=endpoint)


@blp.route("/<uuid:webhook_id>/deliveries")
class Deliveries(MethodView):
    @blp.auth(*MANAGE)
    @blp.response(200, WebhookDeliverySchema(many=True))
    @blp.paginate_sql()
    @blp.errors(404)
    def get(self, organisation_id: uuid.UUID, webhook_id: uuid.UUID) -> Any:
        """List the endpoint's deliveries, newest first: status, answer, attempts, next attempt."""
        endpoint = service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)
        return service.list_deliveries(endpoint=endpoint)


@blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>")
class Delivery(MethodView):
    @blp.auth(*MANAGE)
    @blp.response(200, WebhookDeliverySchema)
    @blp.errors(404)
    def get(
        self, organisation_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> WebhookDelivery:
        """Show one delivery and how its attempts went."""
        endpoint = service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)
        return service.get_delivery(endpoint=endpoint, delivery_id=delivery_id)


@blp.route("/<uuid:webhook_id>/deliveries/<uuid:delivery_id>/redeliver")
class Redeliver(MethodView):
    @blp.auth(*MANAGE)
    @blp.response(202, WebhookDeliverySchema)
    @blp.errors(404, 409)
    def post(
        self, organisation_id: uuid.UUID, webhook_id: uuid.UUID, delivery_id: uuid.UUID
    ) -> WebhookDelivery:
        """Send a delivery's event again now, as a new delivery with the same webhook-id."""
        endpoint = service.get_endpoint(organisation_id=organisation_id, endpoint_id=webhook_id)
        delivery = service.get_delivery(endpoint=endpoint, delivery_id=delivery_id)
        return service.redeliver(endpoint=endpoint, delivery=delivery)
