"""Tools of the ``projects`` toolset: client projects with their budget; thin adapters over
``chalicelib.billing.projects.service`` as the ``/api/v1/projects`` routes are."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing.projects import service
from chalicelib.billing.projects.models import (
    ProjectCreate,
    ProjectListQuery,
    ProjectOut,
    ProjectPatch,
    ProjectStatus,
)
from chalicelib.core.models import Day
from chalicelib.core.money import PositiveAmount, Quantity
from chalicelib.mcp.models import Confirm, Cursor, Deleted, IdempotencyKey, like, page_fields, request
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "projects"
RESOURCE = "orders"

ProjectId = Annotated[str, Field(min_length=1, max_length=64, description="The project's `id` (from list_projects).")]
ForClient = Annotated[str | None, like(ProjectCreate, "client_id", "Id of the client the project is for.")]
Description = Annotated[str | None, like(ProjectCreate, "description", "What the project is about.")]
Hours = Annotated[Quantity | None, Field(ge=0, description="Budgeted hours (a decimal).")]
Rate = Annotated[PositiveAmount | None, Field(description="Hourly rate excluding VAT.")]
Currency = Annotated[str | None, Field(min_length=3, max_length=3, description="ISO 4217 code of the rate.")]
Start = Annotated[Day | None, Field(description="First day (YYYY-MM-DD).")]
End = Annotated[Day | None, Field(description="Last day (YYYY-MM-DD), not before the start.")]


class ProjectList(BaseModel):
    projects: list[ProjectOut]
    count: int = Field(description="Projects in this answer.")
    total: int = Field(description="Projects matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


@tool("list_projects", toolset=TOOLSET, title="List projects", action="read", resource=RESOURCE)
def list_projects(caller: Caller, *,
                  client_id: Annotated[str | None, like(ProjectListQuery, "client_id", "Only this client's.")] = None,
                  status: Annotated[ProjectStatus | None, Field(description="Only projects in this status.")] = None,
                  search: Annotated[str | None, like(ProjectListQuery, "search", "Words in name or description.")]
                  = None,
                  limit: Annotated[int, like(ProjectListQuery, "limit", "Per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> ProjectList:
    """List projects (newest first) by client, status (active, completed, on_hold, cancelled) or words, with their
    budget (`budget_hours` × `hourly_rate` = `budget_amount`, a decimal in `currency`). Returns `{projects, count,
    total, next_cursor}`.
    """
    query = request(ProjectListQuery, client_id=client_id, status=status, search=search, limit=limit, cursor=cursor)
    listing = service.list_projects(caller.deps, caller.org_id, query)
    return ProjectList(projects=listing.items, **page_fields(listing))


@tool("get_project", toolset=TOOLSET, title="Get a project", action="read", resource=RESOURCE)
def get_project(caller: Caller, *, project_id: ProjectId) -> ProjectOut:
    """Get one project: client, dates, status and budget."""
    return service.get_project(caller.deps, caller.org_id, project_id)


@tool("create_project", toolset=TOOLSET, title="Create a project", action="write", resource=RESOURCE)
def create_project(caller: Caller, *,
                   name: Annotated[str, like(ProjectCreate, "name", "Name of the project.")],
                   client_id: ForClient = None, description: Description = None, budget_hours: Hours = None,
                   hourly_rate: Rate = None, currency: Currency = None,
                   status: Annotated[ProjectStatus, Field(description="Default active.")] = "active",
                   start_date: Start = None, end_date: End = None,
                   idempotency_key: IdempotencyKey = None) -> ProjectOut:
    """Create a project, optionally for a client of the organization (that client then cannot be deleted while
    the project exists). Returns the project.
    """
    data = request(ProjectCreate, name=name, client_id=client_id, description=description, budget_hours=budget_hours,
                   hourly_rate=hourly_rate, currency=currency, status=status, start_date=start_date,
                   end_date=end_date)
    return service.create_project(caller.deps, caller.org_id, data)


@tool("update_project", toolset=TOOLSET, title="Edit a project", action="write", resource=RESOURCE,
      idempotent=True)
def update_project(caller: Caller, *, project_id: ProjectId,
                   name: Annotated[str | None, like(ProjectPatch, "name", "New name.")] = None,
                   client_id: ForClient = None, description: Description = None, budget_hours: Hours = None,
                   hourly_rate: Rate = None, currency: Currency = None,
                   status: Annotated[ProjectStatus | None, Field(description="New status.")] = None,
                   start_date: Start = None, end_date: End = None,
                   idempotency_key: IdempotencyKey = None) -> ProjectOut:
    """Change some fields of a project; only the fields you pass change ("" clears an optional text). Returns the
    project.
    """
    patch = request(ProjectPatch, name=name, client_id=client_id, description=description, budget_hours=budget_hours,
                    hourly_rate=hourly_rate, currency=currency, status=status, start_date=start_date,
                    end_date=end_date)
    return service.update_project(caller.deps, caller.org_id, project_id, patch)


@tool("delete_project", toolset=TOOLSET, title="Delete a project", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_project(caller: Caller, *, project_id: ProjectId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a project for good. Requires `confirm: true`. Returns `{success, id}`."""
    service.delete_project(caller.deps, caller.org_id, project_id)
    return Deleted(success=True, id=project_id)
