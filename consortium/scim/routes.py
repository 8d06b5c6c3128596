"""/scim/v2: SCIM 2.0 (RFC 7643/7644) provisioning of an organisation's staff.

Thin views: read the SCIM document (scim2-models validates it), call scim.service, answer
application/scim+json. Errors are SCIM Error documents (see scim.errors).
"""

from __future__ import annotations

from typing import Any

from flask import Response, request, url_for
from flask.views import MethodView
from scim2_models import (
    Context,
    InvalidSyntaxException,
    ListResponse,
    Meta,
    NotFoundException,
    PatchOp,
    PreconditionFailedException,
    ResourceType,
    ResponseParameters,
    Schema,
    SearchRequest,
    ServiceProviderConfig,
)
from werkzeug.routing import UnicodeConverter

from consortium.people.models import Person
from consortium.scim import errors, service
from consortium.scim.blueprint import ScimBlueprint
from consortium.scim.errors import scim_response
from consortium.scim.filters import person_criteria
from consortium.scim.mapping import to_person_changes, to_scim, version_of
from consortium.scim.resources import (
    CONFIG,
    MAX_RESULTS,
    POLICY,
    PROVIDER,
    USER_RESOURCE_TYPE,
    User,
)

blp = ScimBlueprint(
    "scim",
    __name__,
    url_prefix="/scim/v2",
    description="SCIM 2.0 provisioning of staff records by an organisation's HR system.",
)
errors.register(blp)
blp.before_app_request(errors.routing_error("/scim/v2"))


class UserIdConverter(UnicodeConverter):
    """A User's id (documented as a string): never one starting with a dot, so /Users/.search
    is only the search (its OPTIONS does not advertise the User's GET, PUT, PATCH, DELETE)."""

    def __init__(self, map: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(map, *args, **kwargs)
        self.regex = r"(?!\.)[^/]{1,}"  # the {1,} is what flask-smorest documents


blp.record_once(lambda state: state.app.url_map.converters.setdefault("user_id", UserIdConverter))

NOT_A_JSON_OBJECT = "Send a JSON object as the request body (application/scim+json)."


# Reading requests ----------------------------------------------------------------------------


def _body() -> dict[str, Any]:
    try:
        data = request.get_json(force=True, silent=True)
    except RecursionError:  # nested too deeply for Python's decoder: bad input, not a 500
        data = None
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail=NOT_A_JSON_OBJECT)
    return data


def _response_parameters() -> ResponseParameters[Any]:
    """attributes / excludedAttributes from the query string (RFC 7644 §3.9)."""
    args = {k: v for k, v in request.args.items() if k in {"attributes", "excludedAttributes"}}
    return ResponseParameters[User].model_validate(args, scim_provider=PROVIDER)


def _user_payload(data: dict[str, Any], *, active: bool, context: Context) -> User:
    # active is required in our schema (a person always has a status); when a client leaves it
    # out, a new user is active and a replaced one keeps its status (RFC 7644 §3.5.1 allows it).
    data.setdefault("active", active)
    return User.model_validate(data, scim_ctx=context, scim_provider=PROVIDER)


def _check_version(person: Person) -> None:
    """Honour If-Match (RFC 7644 §3.14): a stale version is refused with 412."""
    if not request.if_match or request.if_match.star_tag:
        return
    if not request.if_match.contains_weak(version_of(person).removeprefix("W/").strip('"')):
        raise PreconditionFailedException(
            detail="The user changed since you read it; fetch it again and retry."
        )


# Answering -----------------------------------------------------------------------------------


def _user_response(person: Person, context: Context, status: int = 200) -> Response:
    user = to_scim(person)
    body = user.model_dump_json(scim_ctx=context, response_parameters=_response_parameters())
    headers = {"ETag": version_of(person)}
    if status == 201 and user.meta and user.meta.location:
        headers["Location"] = str(user.meta.location)
    return scim_response(body, status, headers)


def _list_response(
    model: type[Any], resources: list[Any], *, total: int, start_index: int = 1
) -> ListResponse[Any]:
    return ListResponse[model](  # type: ignore[valid-type]
        total_results=total,
        start_index=start_index,
        items_per_page=len(resources),
        resources=resources,
    )


def _search(search: SearchRequest[Any], context: Context) -> Response:
    start_index = search.start_index or 1
    count = MAX_RESULTS if search.count is None else min(search.count, MAX_RESULTS)
    criteria = person_criteria(search.filter) if search.filter else None
    total, page = service.find_users(criteria=criteria, start_index=start_index, count=count)
    listed = _list_response(User, [to_scim(p) for p in page], total=total, start_index=start_index)
    return scim_response(listed.model_dump_json(scim_ctx=context, response_parameters=search))


def _discovery(resource: Any, resource_type: str, location: str) -> Any:
    resource.meta = Meta(resource_type=resource_type, location=location)
    return resource


def _schemas() -> list[Schema]:
    described = [*PROVIDER.schemas] + [
        model.to_schema() for model in (ResourceType, ServiceProviderConfig, Schema)
    ]
    return [
        _discovery(s, "Schema", url_for("scim.SchemaItem", schema_id=s.id, _external=True))
        for s in described
    ]


def _resource_types() -> list[ResourceType]:
    url = url_for("scim.ResourceTypeItem", type_id=USER_RESOURCE_TYPE.id, _external=True)
    return [_discovery(USER_RESOURCE_TYPE.model_copy(deep=True), "ResourceType", url)]


def _query_response(document: Any) -> Response:
    return scim_response(document.model_dump_json(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))


# Discovery (RFC 7644 §4) ---------------------------------------------------------------------


@blp.route("/ServiceProviderConfig")
class ServiceProviderConfigItem(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "The SCIM features this service supports.")
    def get(self) -> Response:
        """Show the SCIM features this service supports."""
        url = url_for("scim.ServiceProviderConfigItem", _external=True)
        config = _discovery(CONFIG.model_copy(deep=True), "ServiceProviderConfig", url)
        return _query_response(config)


@blp.route("/ResourceTypes")
class ResourceTypes(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A ListResponse of the resource types served (User).")
    def get(self) -> Response:
        """List the SCIM resource types this service serves."""
        types = _resource_types()
        return _query_response(_list_response(ResourceType, types, total=len(types)))


@blp.route("/ResourceTypes/<type_id>")
class ResourceTypeItem(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A SCIM ResourceType.")
    @blp.errors(404)
    def get(self, type_id: str) -> Response:
        """Show a SCIM resource type."""
        found = [t for t in _resource_types() if t.id == type_id]
        if not found:
            raise NotFoundException(detail=f"No resource type {type_id}.")
        return _query_response(found[0])


@blp.route("/Schemas")
class Schemas(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A ListResponse of the schemas this service publishes.")
    def get(self) -> Response:
        """List the SCIM schemas this service publishes."""
        schemas = _schemas()
        return _query_response(_list_response(Schema, schemas, total=len(schemas)))


@blp.route("/Schemas/<schema_id>")
class SchemaItem(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A SCIM Schema.")
    @blp.errors(404)
    def get(self, schema_id: str) -> Response:
        """Show a SCIM schema by its URN."""
        found = [s for s in _schemas() if s.id == schema_id]
        if not found:
            raise NotFoundException(detail=f"No schema {schema_id}.")
        return _query_response(found[0])


# Users (RFC 7644 §3) -------------------------------------------------------------------------


@blp.route("/Users")
class Users(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A ListResponse of Users (filter, startIndex, count).")
    @blp.errors(400)
    def get(self) -> Response:
        """List your organisation's staff as SCIM Users (filter userName eq "…")."""
        search = SearchRequest[User].model_validate(
            request.args.to_dict(), scim_ctx=Context.SEARCH_REQUEST, scim_provider=PROVIDER
        )
        return _search(search, Context.RESOURCE_QUERY_RESPONSE)

    @blp.auth("scim")
    @blp.takes("A SCIM User: userName (the work email), name.givenName, name.familyName.")
    @blp.returns(201, "The created User.")
    @blp.errors(400, 409)
    def post(self) -> Response:
        """Provision a member of staff as a SCIM User."""
        user = _user_payload(_body(), active=True, context=Context.RESOURCE_CREATION_REQUEST)
        person = service.create_user(changes=to_person_changes(user))
        return _user_response(person, Context.RESOURCE_CREATION_RESPONSE, 201)


@blp.route("/Users/.search")
class UserSearch(MethodView):
    @blp.auth("scim")
    @blp.takes("A SCIM SearchRequest.")
    @blp.returns(200, "A ListResponse of Users.")
    @blp.errors(400)
    def post(self) -> Response:
        """Search your organisation's staff with a SCIM SearchRequest."""
        search = SearchRequest[User].model_validate(
            _body(), scim_ctx=Context.SEARCH_REQUEST, scim_provider=PROVIDER
        )
        return _search(search, Context.SEARCH_RESPONSE)


@blp.route("/.search")
class Search(MethodView):
    @blp.auth("scim")
    @blp.takes("A SCIM SearchRequest (Users are the only resource type).")
    @blp.returns(200, "A ListResponse of Users.")
    @blp.errors(400)
    def post(self) -> Response:
        """Search every resource type (Users) with a SCIM SearchRequest."""
        search = SearchRequest[User].model_validate(
            _body(), scim_ctx=Context.SEARCH_REQUEST, scim_provider=PROVIDER
        )
        return _search(search, Context.SEARCH_RESPONSE)


@blp.route("/Users/<user_id:user_id>")
class UserItem(MethodView):
    @blp.auth("scim")
    @blp.returns(200, "A User.")
    @blp.doc(responses={"304": {"description": "Not Modified: If-None-Match holds its version."}})
    @blp.errors(404)
    def get(self, user_id: str) -> Response:
        """Show a SCIM User."""
        person = service.get_user(user_id=user_id)
        if request.if_none_match.contains_weak(version_of(person).removeprefix("W/").strip('"')):
            return scim_response(None, 304, {"ETag": version_of(person)})
        return _user_response(person, Context.RESOURCE_QUERY_RESPONSE)

    @blp.auth("scim")
    @blp.takes("The whole SCIM User; attributes left out are cleared (active is kept).")
    @blp.returns(200, "The replaced User.")
    @blp.errors(400, 404, 409, 412)
    def put(self, user_id: str) -> Response:
        """Replace a SCIM User (If-Match optional)."""
        person = service.get_user(user_id=user_id)
        _check_version(person)
        current = to_scim(person)
        user = _user_payload(
            _body(), active=bool(current.active), context=Context.RESOURCE_REPLACEMENT_REQUEST
        )
        user.replace(current)  # read-only attributes kept, immutable ones checked
        person = service.update_user(person=person, changes=to_person_changes(user))
        return _user_response(person, Context.RESOURCE_REPLACEMENT_RESPONSE)

    @blp.auth("scim")
    @blp.takes("A SCIM PatchOp: add, replace or remove operations (e.g. active=false).")
    @blp.returns(200, "The patched User.")
    @blp.errors(400, 404, 409, 412)
    def patch(self, user_id: str) -> Response:
        """Change a SCIM User with PATCH operations, e.g. deactivate with active=false."""
        person = service.get_user(user_id=user_id)
        _check_version(person)
        operations = PatchOp[User].model_validate(
            _body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_provider=PROVIDER
        )
        user = to_scim(person)
        operations.patch(user, scim_policy=POLICY)
        person = service.update_user(person=person, changes=to_person_changes(user))
        return _user_response(person, Context.RESOURCE_PATCH_RESPONSE)

    @blp.auth("scim")
    @blp.response(204)
    @blp.errors(404, 412)
    def delete(self, user_id: str) -> Response:
        """Deprovision a SCIM User: deactivated and detached from SCIM, never erased."""
        person = service.get_user(user_id=user_id)
        _check_version(person)
        service.delete_user(person=person)
        return scim_response(None, 204)
