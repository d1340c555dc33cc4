"""Routes of ``/api/v1/api-keys``: list, create (secret shown once), get, revoke and rotate keys.

Key administration needs a key with the ``all`` scope.
"""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply
from chalicelib.auth import service
from chalicelib.auth.models import ApiKeyCreate, ApiKeyCreated, ApiKeyOut, ApiKeyRotate
from chalicelib.auth.scopes import ADMIN
from chalicelib.store.pagination import Listing, PageQuery

group = RouteGroup("auth", tag="API keys")
route = group.route
BASE = "/api/v1/api-keys"
ITEM = BASE + "/{key_id}"


@route("GET", BASE, operation_id="listApiKeys", summary="List API keys", action="read", resource=ADMIN,
       query=PageQuery, response=ApiKeyOut, list_response=True)
def list_keys(ctx: Ctx) -> Listing:
    return service.list_api_keys(ctx.deps, ctx.caller, ctx.query)


@route("POST", BASE, operation_id="createApiKey", summary="Create an API key", action="write", resource=ADMIN,
       body=ApiKeyCreate, response=ApiKeyCreated, status=201, replayable=False,
       description="The answer's `key` is the secret: it is shown this once and never again.")
def create_key(ctx: Ctx) -> Any:
    return service.create_api_key(ctx.deps, ctx.caller, ctx.body)


@route("GET", ITEM, operation_id="getApiKey", summary="Get an API key", action="read", resource=ADMIN,
       response=ApiKeyOut)
def get_key(ctx: Ctx) -> Any:
    return service.get_api_key(ctx.deps, ctx.caller, ctx.path["key_id"])


@route("DELETE", ITEM, operation_id="revokeApiKey", summary="Revoke an API key", action="delete",
       resource=ADMIN, response=ApiKeyOut, description="The key is refused from now on.")
def revoke_key(ctx: Ctx) -> Any:
    key = service.revoke_api_key(ctx.deps, ctx.caller, ctx.path["key_id"])
    return Reply({"success": True, "data": key})


@route("POST", ITEM + "/rotate", operation_id="rotateApiKey", summary="Rotate an API key", action="write",
       resource=ADMIN, body=ApiKeyRotate, response=ApiKeyCreated, status=201, replayable=False,
       description="Issues a new secret with the same settings; the old key keeps working for "
                   "`grace_period_days` (default 7), then expires.")
def rotate_key(ctx: Ctx) -> Any:
    return service.rotate_api_key(ctx.deps, ctx.caller, ctx.path["key_id"],
                                  ctx.body.grace_period_days)


group.seal()
