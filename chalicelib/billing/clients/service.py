"""Client use cases: create, read, list with search, replace or patch, delete.

Each write is one transaction holding the change, the ``meta.total`` counter and the outbox event. Deletion is
refused while billing documents still refer to the client (the ``CLIENTREFS`` guard in the same transaction).
"""

from __future__ import annotations

from typing import Any

from chalicelib.billing.clients import repository as repo
from chalicelib.billing.clients.models import Client, ClientCreate, ClientListQuery, ClientOut, ClientPatch
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Check, MustExist, Operation, Page
from chalicelib.store.unit import commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

_SEARCH_BATCH = 1000


def _has_documents() -> Conflict:
    return Conflict("the client still has invoices or other documents and cannot be deleted",
                    code="client_has_documents")


def _event(deps: Deps, client: Client, type_: str, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=client.org_id, type=type_, entity="client",
                              entity_id=client.id, payload=payload, occurred_at=deps.clock.now()))


def to_out(client: Client) -> ClientOut:
    return ClientOut.model_construct(**{name: getattr(client, name) for name in ClientOut.model_fields})


def create_client(deps: Deps, org_id: str, data: ClientCreate) -> ClientOut:
    def attempt() -> ClientOut:
        now = deps.clock.now()
        client = Client(**data.model_dump(), id=deps.new_id(), org_id=org_id, created_at=now, updated_at=now)
        out = to_out(client)
        commit(deps.store, plain([*repo.insert(client),
                                  _event(deps, client, "customer.created", out.model_dump(mode="json"))]))
        return out

    return retrying(deps.store, attempt)


def require_client(deps: Deps, org_id: str, client_id: str) -> Client:
    """The client, or ``NotFound`` (also for ids of other organizations: they are simply not there)."""
    client = repo.get(deps.store, org_id, client_id) if is_uuid(client_id) else None
    if client is None:
        raise NotFound(f"client {client_id} not found", code="client_not_found")
    return client


def get_client(deps: Deps, org_id: str, client_id: str) -> ClientOut:
    return to_out(require_client(deps, org_id, client_id))


def update_client(deps: Deps, org_id: str, client_id: str, data: ClientCreate | ClientPatch) -> ClientOut:
    """PUT (``ClientCreate``: every field replaced) or PATCH (``ClientPatch``: only the fields sent), applied to
    the client as it is when the change commits (a concurrent change is read again, never refused)."""
    changes = data.model_dump(exclude_unset=isinstance(data, ClientPatch))

    def attempt() -> ClientOut:
        current = require_client(deps, org_id, client_id)
        updated = current.model_copy(update={**changes, "updated_at": deps.clock.now(),
                                             "version": current.version + 1})
        out = to_out(updated)
        event = _event(deps, updated, "customer.updated", {**out.model_dump(mode="json"), "changed": sorted(changes)})
        commit(deps.store, plain([repo.replace(updated, current.version), event]))
        return out

    return retrying(deps.store, attempt)


def delete_client(deps: Deps, org_id: str, client_id: str) -> None:
    def attempt() -> None:
        client = require_client(deps, org_id, client_id)
        # The second operation is the guard that no document refers to the client any more.
        steps = [(op, _has_documents() if n == 1 else None) for n, op in enumerate(repo.remove(client))]
        commit(deps.store, [*steps, (_event(deps, client, "customer.deleted",
                                            {"id": client.id, "company_name": client.company_name}), None)])

    retrying(deps.store, attempt)


def list_clients(deps: Deps, org_id: str, params: ClientListQuery) -> Listing:
    if params.search and fold(params.search):
        return _search(deps, org_id, params)

    def query(limit: int, cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, params.sort, limit, cursor)

    page, number = fetch_page(query, params)
    return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=params.limit,
                   total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)


def _search(deps: Deps, org_id: str, params: ClientListQuery) -> Listing:
    """Substring search over the organization's clients: one partition read in large pages, filtered here.

    ``page``/``limit`` apply to the matches; the cursor of a search answer is the matches' offset.
    """
    needle = fold(params.search)
    matches = [i for i in all_items(lambda cursor: repo.query(deps.store, org_id, params.sort, _SEARCH_BATCH, cursor))
               if needle in i.get("search_text", "")]
    return page_of_matches(matches, params, lambda item: to_out(repo.from_item(item)))


def still_exists(client: Client) -> Check:
    """A transaction operation that fails if the client was deleted meanwhile: documents that refer to a client
    commit it with their own writes."""
    item = repo.to_item(client)
    return Check(item["pk"], item["sk"], MustExist())
