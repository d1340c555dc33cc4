"""The event outbox: every state change records an event in the same store transaction as the change.

A service builds its change's operations, adds ``record_event(...)``'s ``Put``, and commits them together, so an
event exists if and only if its change happened. Delivery (webhooks) reads the outbox later.

Key formats and access patterns:

| pattern                               | index | key condition                                                |
|---------------------------------------|-------|--------------------------------------------------------------|
| events of an org in time order        | table | pk=``ORG#<org>#EVENTS``, sk=``<occurred_at>#<seq>#<event id>`` |
| events of one entity in time order    | gsi1  | gsi1pk=``ORG#<org>#ENTITY#<entity>#<id>``, gsi1sk=same as sk  |

``seq`` is a per-process counter that keeps events recorded within one millisecond in the order they happened.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso
from chalicelib.core.models import Model
from chalicelib.store.port import Item, MustNotExist, Operation, Put, Store


class Event(Model):
    """A recorded domain event. ``type`` uses the webhook catalogue's names (``customer.created``...)."""

    id: str
    org_id: str
    type: str
    entity: str
    entity_id: str
    payload: dict[str, Any]
    occurred_at: datetime


_sequence = itertools.count()


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}#EVENTS"


def _event(item: Item) -> Event:
    return Event.model_validate({k: item[k] for k in Event.model_fields})


def record_event(event: Event) -> Put:
    """The ``Put`` that records ``event``; commit it in the same transaction as the change it describes."""
    sort_key = f"{iso(event.occurred_at)}#{next(_sequence):012d}#{event.id}"
    item = {
        "pk": _pk(event.org_id),
        "sk": sort_key,
        "gsi1pk": f"ORG#{event.org_id}#ENTITY#{event.entity}#{event.entity_id}",
        "gsi1sk": sort_key,
        "entity": "event",
        **event.model_dump(mode="json"),
    }
    return Put(item, MustNotExist())


def list_events(store: Store, org_id: str, *, limit: int = 100, cursor: str | None = None,
                since: datetime | None = None) -> tuple[list[Event], str | None]:
    """Events of an organization, oldest first, optionally from ``since`` on."""
    page = store.query(_pk(org_id), start=iso(since) if since else None, limit=limit, cursor=cursor)
    return [_event(i) for i in page.items], page.next_cursor


def events_of(store: Store, org_id: str, entity: str, entity_id: str) -> list[Event]:
    page = store.query(f"ORG#{org_id}#ENTITY#{entity}#{entity_id}", index="gsi1", limit=1000)
    return [_event(i) for i in page.items]


def events_after(store: Store, org_id: str, position: str, *, limit: int = 100,
                 cursor: str | None = None) -> tuple[list[tuple[str, Event]], str | None]:
    """Events recorded after ``position`` (a sort key, or an ``iso`` time: the events from that instant on), oldest
    first, each with its sort key (the position to continue from)."""
    page = store.query(_pk(org_id), start=position, limit=limit, cursor=cursor)
    return ([(str(i["sk"]), _event(i))
             for i in page.items if str(i["sk"]) > position], page.next_cursor)


def recent_events(store: Store, org_id: str, limit: int = 200) -> list[Event]:
    """The organization's latest events, newest first."""
    page = store.query(_pk(org_id), forward=False, limit=limit)
    return [_event(i) for i in page.items]


def is_event_partition(pk: str) -> bool:
    """Whether ``pk`` is an outbox partition (what a stream record or a committed ``Put`` is checked against)."""
    return pk.startswith("ORG#") and pk.endswith("#EVENTS")


def organizations_in(operations: Sequence[Operation]) -> set[str]:
    """The organizations whose events ``operations`` record (what a committed transaction tells the dispatcher)."""
    return {str(op.item["org_id"]) for op in operations
            if isinstance(op, Put) and is_event_partition(str(op.item.get("pk", "")))}
