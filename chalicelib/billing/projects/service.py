"""Project use cases: create, read, list with filters and search, replace or patch, delete.

Each write is one transaction holding the change, the ``meta.total`` counter, the client's reference counter
(added, moved or removed, so a client with projects cannot be deleted) and the outbox event. A ``client_id`` that
is not a client of the organization, and an ``end_date`` before the ``start_date``, are 422s naming the field.
"""

from __future__ import annotations

from typing import Any

from chalicelib.billing.clients.models import Client
from chalicelib.billing.clients.service import require_client
from chalicelib.billing.projects import repository as repo
from chalicelib.billing.projects.models import Project, ProjectCreate, ProjectListQuery, ProjectOut, ProjectPatch
from chalicelib.core.errors import NotFound, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Operation, Page
from chalicelib.store.unit import commit, retrying
from chalicelib.webhooks.outbox import Event, record_event

_SCAN_BATCH = 1000
_NO_CLIENT = "no client with this id in the organization"


def _event(deps: Deps, project: Project, type_: str, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=project.org_id, type=type_, entity="project",
                              entity_id=project.id, payload=payload, occurred_at=deps.clock.now()))


def to_out(project: Project) -> ProjectOut:
    return ProjectOut.model_construct(**{name: getattr(project, name) for name in ProjectOut.model_fields})


def _commit(deps: Deps, ops: list[Operation]) -> None:
    """Apply ``ops``; a client deleted meanwhile is a 422 on ``client_id``, any other failed precondition a change
    made meanwhile (the use case runs again, see ``retrying``)."""
    commit(deps.store, [(op, field_error("client_id", _NO_CLIENT) if repo.guards_client(op) else None)
                        for op in ops])


def _client(deps: Deps, org_id: str, client_id: str | None) -> Client | None:
    """The client a project is for, or a 422 naming ``client_id`` when the organization has no such client."""
    if client_id is None:
        return None
    try:
        return require_client(deps, org_id, client_id)
    except NotFound as exc:
        raise field_error("client_id", _NO_CLIENT) from exc


def _check_dates(project: Project) -> None:
    if project.start_date and project.end_date and project.end_date < project.start_date:
        raise field_error("end_date", "must not be before start_date")


def create_project(deps: Deps, org_id: str, data: ProjectCreate) -> ProjectOut:
    now = deps.clock.now()
    project = Project(**data.model_dump(), id=deps.new_id(), org_id=org_id, created_at=now, updated_at=now)
    _check_dates(project)
    client = _client(deps, org_id, project.client_id)
    out = to_out(project)
    retrying(deps.store, lambda: _commit(deps, [*repo.insert(project, client),
                                                _event(deps, project, "project.created", out.model_dump(mode="json"))]))
    return out


def require_project(deps: Deps, org_id: str, project_id: str) -> Project:
    """The project, or ``NotFound`` (also for ids of other organizations: they are simply not there)."""
    project = repo.get(deps.store, org_id, project_id) if is_uuid(project_id) else None
    if project is None:
        raise NotFound(f"project {project_id} not found", code="project_not_found")
    return project


def get_project(deps: Deps, org_id: str, project_id: str) -> ProjectOut:
    return to_out(require_project(deps, org_id, project_id))


def update_project(deps: Deps, org_id: str, project_id: str, data: ProjectCreate | ProjectPatch) -> ProjectOut:
    """PUT (``ProjectCreate``: every field replaced) or PATCH (``ProjectPatch``: only the fields sent), applied to
    the project as it is when the change commits."""
    changes = data.model_dump(exclude_unset=isinstance(data, ProjectPatch))

    def attempt() -> ProjectOut:
        current = require_project(deps, org_id, project_id)
        updated = current.model_copy(update={**changes, "updated_at": deps.clock.now(),
                                             "version": current.version + 1})
        _check_dates(updated)
        new_client = _client(deps, org_id, updated.client_id) if updated.client_id != current.client_id else None
        out = to_out(updated)
        event = _event(deps, updated, "project.updated", {**out.model_dump(mode="json"), "changed": sorted(changes)})
        _commit(deps, [*repo.replace(updated, current, new_client), event])
        return out

    return retrying(deps.store, attempt)


def delete_project(deps: Deps, org_id: str, project_id: str) -> None:
    def attempt() -> None:
        project = require_project(deps, org_id, project_id)
        event = _event(deps, project, "project.deleted", {"id": project.id, "name": project.name,
                                                           "client_id": project.client_id})
        _commit(deps, [*repo.remove(project), event])

    retrying(deps.store, attempt)


def list_projects(deps: Deps, org_id: str, params: ProjectListQuery) -> Listing:
    if fold(params.search) or params.client_id or params.status:
        return _filtered(deps, org_id, params)

    def query(limit: int, cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, params.sort, limit, cursor)

    page, number = fetch_page(query, params)
    return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=params.limit,
                   total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)


def _keeps(params: ProjectListQuery, item: Item) -> bool:
    """Whether a stored project passes every filter of ``params``."""
    needle = fold(params.search)
    return ((not needle or needle in item.get("search_text", ""))
            and (not params.client_id or item.get("client_id") == params.client_id)
            and (not params.status or item.get("status") == params.status))


def _filtered(deps: Deps, org_id: str, params: ProjectListQuery) -> Listing:
    """Projects passing the filters: one list partition read in large pages, filtered here.

    ``page``/``limit`` apply to the matches; the cursor of a filtered answer is the matches' offset.
    """
    matches = [item for item in all_items(lambda cursor: repo.query(deps.store, org_id, params.sort, _SCAN_BATCH,
                                                                    cursor))
               if _keeps(params, item)]
    return page_of_matches(matches, params, lambda item: to_out(repo.from_item(item)))
