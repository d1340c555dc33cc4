"""Routes of ``/api/v1/clients``: thin adapters over ``chalicelib.billing.clients.service``."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, deleted
from chalicelib.billing.clients import service
from chalicelib.billing.clients.models import ClientCreate, ClientListQuery, ClientOut, ClientPatch
from chalicelib.billing.receivable_models import ClientBalance
from chalicelib.store.pagination import Listing

group = RouteGroup("clients", tag="Clients")
route = group.route
BASE = "/api/v1/clients"
ITEM = BASE + "/{client_id}"


@route("GET", BASE, operation_id="listClients", summary="List clients", action="read", resource="customers",
       query=ClientListQuery, response=ClientOut, list_response=True,
       description="Paginated with `page`/`limit` or `cursor`; `search` matches company name, contact name and "
                   "e-mail, ignoring accents and case.")
def list_clients(ctx: Ctx) -> Listing:
    return service.list_clients(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createClient", summary="Create a client", action="write",
       resource="customers", body=ClientCreate, response=ClientOut, status=201)
def create_client(ctx: Ctx) -> Any:
    return service.create_client(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getClient", summary="Get a client", action="read", resource="customers",
       response=ClientOut)
def get_client(ctx: Ctx) -> Any:
    return service.get_client(ctx.deps, ctx.org_id, ctx.path["client_id"])


@route("PUT", ITEM, operation_id="replaceClient", summary="Replace a client", action="write",
       resource="customers", body=ClientCreate, response=ClientOut,
       description="Every writable field is replaced; fields left out become empty.")
def replace_client(ctx: Ctx) -> Any:
    return service.update_client(ctx.deps, ctx.org_id, ctx.path["client_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateClient", summary="Update some fields of a client", action="write",
       resource="customers", body=ClientPatch, response=ClientOut)
def update_client(ctx: Ctx) -> Any:
    return service.update_client(ctx.deps, ctx.org_id, ctx.path["client_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteClient", summary="Delete a client", action="delete",
       resource="customers", description="Refused with 409 while invoices or other documents refer to it.")
def delete_client(ctx: Ctx) -> Any:
    service.delete_client(ctx.deps, ctx.org_id, ctx.path["client_id"])
    return deleted()


@route("GET", ITEM + "/balance", operation_id="getClientBalance", summary="What a client owes", action="read",
       resource="customers", response=ClientBalance,
       description="From issued invoices (drafts and cancelled excluded): invoiced, paid, outstanding and overdue.")
def client_balance(ctx: Ctx) -> Any:
    # Imported on use: the balance reads invoices, and the clients function should not load billing and the
    # books at cold start for this one route.
    from chalicelib.billing import receivables

    return receivables.client_balance(ctx.deps, ctx.org_id, ctx.path["client_id"])


group.seal()
