"""Persistence of projects.

Key formats and access patterns:

| pattern                                  | index | key condition                                                  |
|------------------------------------------|-------|----------------------------------------------------------------|
| project by id                            | table | pk=``ORG#<org>``, sk=``PROJECT#<id>``                           |
| projects by creation time                | gsi1  | gsi1pk=``ORG#<org>#PROJECTS``, gsi1sk=``<created_at>#<id>``     |
| projects by name                         | gsi2  | gsi2pk=``ORG#<org>#PROJECTS``, gsi2sk=``<folded name>#<id>``    |
| number of projects (``meta.total``)      | table | pk=``ORG#<org>``, sk=``COUNTER#projects`` (attribute ``count``) |

A project for a client keeps that client undeletable: the transaction that attaches a project to a client checks
that the client still exists and adds 1 to the client's reference counter (``CLIENTREFS#<client id>``, owned by
the clients repository); the one that detaches it (client change, deletion) subtracts 1.

Filtered listings (client, status, search) read one of the two list partitions in large pages and filter in
memory, like the clients' search; every project item carries ``search_text`` (folded name and description).
"""

from __future__ import annotations

from chalicelib.billing.clients import repository as clients_repo
from chalicelib.billing.clients.models import Client
from chalicelib.billing.projects.models import Project
from chalicelib.core.clock import iso
from chalicelib.core.text import fold
from chalicelib.store.port import (
    Check,
    Delete,
    ExpectedVersion,
    Increment,
    IndexName,
    Item,
    MustExist,
    MustNotExist,
    Operation,
    Page,
    Put,
    Store,
)

COUNTER_SK = "COUNTER#projects"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def _sk(project_id: str) -> str:
    return f"PROJECT#{project_id}"


def list_pk(org_id: str) -> str:
    return f"ORG#{org_id}#PROJECTS"


def to_item(project: Project) -> Item:
    return {
        "pk": _pk(project.org_id),
        "sk": _sk(project.id),
        "gsi1pk": list_pk(project.org_id),
        "gsi1sk": f"{iso(project.created_at)}#{project.id}",
        "gsi2pk": list_pk(project.org_id),
        "gsi2sk": f"{fold(project.name)}#{project.id}",
        "entity": "project",
        "search_text": " | ".join(fold(v) for v in (project.name, project.description) if v),
        **project.model_dump(mode="json"),
    }


def from_item(item: Item) -> Project:
    return Project.model_validate(item)


def get(store: Store, org_id: str, project_id: str) -> Project | None:
    item = store.get(_pk(org_id), _sk(project_id))
    return from_item(item) if item else None


def _attach(client: Client) -> list[Operation]:
    """The client must still exist, and one more document refers to it."""
    key = clients_repo.to_item(client)
    return [Check(key["pk"], key["sk"], MustExist()),
            Increment(_pk(client.org_id), clients_repo.refs_sk(client.id), "count", 1)]


def _detach(org_id: str, client_id: str) -> Increment:
    return Increment(_pk(org_id), clients_repo.refs_sk(client_id), "count", -1)


def guards_client(op: Operation) -> bool:
    """Whether ``op`` is the check that the project's client exists (its failure: the client is gone)."""
    return isinstance(op, Check)


def insert(project: Project, client: Client | None) -> list[Operation]:
    ops: list[Operation] = [Put(to_item(project), MustNotExist()),
                            Increment(_pk(project.org_id), COUNTER_SK, "count", 1)]
    return ops + (_attach(client) if client is not None else [])


def restored(project: Project) -> list[Operation]:
    """A project re-created by a restore: as ``insert``, its client counted without the existence check (the
    restore writes into an empty organization, the client in another batch)."""
    ops = insert(project, None)
    if project.client_id is not None:
        ops.append(Increment(_pk(project.org_id), clients_repo.refs_sk(project.client_id), "count", 1))
    return ops


def replace(updated: Project, current: Project, new_client: Client | None) -> list[Operation]:
    """Replace ``current`` (at its version) by ``updated``; when the client changes, move the reference from the
    old client to ``new_client`` (the client of ``updated``, or ``None``)."""
    ops: list[Operation] = [Put(to_item(updated), ExpectedVersion(current.version))]
    if current.client_id != updated.client_id:
        if current.client_id is not None:
            ops.append(_detach(current.org_id, current.client_id))
        if new_client is not None:
            ops += _attach(new_client)
    return ops


def remove(project: Project) -> list[Operation]:
    ops: list[Operation] = [Delete(_pk(project.org_id), _sk(project.id), ExpectedVersion(project.version)),
                            Increment(_pk(project.org_id), COUNTER_SK, "count", -1)]
    return ops + ([_detach(project.org_id, project.client_id)] if project.client_id is not None else [])


def count(store: Store, org_id: str) -> int:
    item = store.get(_pk(org_id), COUNTER_SK)
    return int(item["count"]) if item else 0


def query(store: Store, org_id: str, sort: str, limit: int, cursor: str | None) -> Page:
    index: IndexName = "gsi2" if sort.lstrip("-") == "name" else "gsi1"
    return store.query(list_pk(org_id), index=index, forward=not sort.startswith("-"), limit=limit, cursor=cursor)
