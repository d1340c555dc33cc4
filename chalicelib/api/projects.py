"""Routes of ``/api/v1/projects``: thin adapters over ``chalicelib.billing.projects.service``."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, deleted
from chalicelib.billing.projects import service
from chalicelib.billing.projects.models import ProjectCreate, ProjectListQuery, ProjectOut, ProjectPatch
from chalicelib.store.pagination import Listing

group = RouteGroup("projects", tag="Projects")
route = group.route
BASE = "/api/v1/projects"
ITEM = BASE + "/{project_id}"


@route("GET", BASE, operation_id="listProjects", summary="List projects", action="read", resource="orders",
       query=ProjectListQuery, response=ProjectOut, list_response=True,
       description="Paginated with `page`/`limit` or `cursor`; filter by `client_id` and `status`; `search` "
                   "matches name and description, ignoring accents and case.")
def list_projects(ctx: Ctx) -> Listing:
    return service.list_projects(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createProject", summary="Create a project", action="write", resource="orders",
       body=ProjectCreate, response=ProjectOut, status=201,
       description="`client_id`, when given, must be a client of the organization; that client then cannot be "
                   "deleted while the project exists.")
def create_project(ctx: Ctx) -> Any:
    return service.create_project(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getProject", summary="Get a project", action="read", resource="orders",
       response=ProjectOut)
def get_project(ctx: Ctx) -> Any:
    return service.get_project(ctx.deps, ctx.org_id, ctx.path["project_id"])


@route("PUT", ITEM, operation_id="replaceProject", summary="Replace a project", action="write", resource="orders",
       body=ProjectCreate, response=ProjectOut,
       description="Every writable field is replaced; fields left out take their defaults or become empty.")
def replace_project(ctx: Ctx) -> Any:
    return service.update_project(ctx.deps, ctx.org_id, ctx.path["project_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateProject", summary="Update some fields of a project", action="write",
       resource="orders", body=ProjectPatch, response=ProjectOut)
def update_project(ctx: Ctx) -> Any:
    return service.update_project(ctx.deps, ctx.org_id, ctx.path["project_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteProject", summary="Delete a project", action="delete",
       resource="orders")
def delete_project(ctx: Ctx) -> Any:
    service.delete_project(ctx.deps, ctx.org_id, ctx.path["project_id"])
    return deleted()


group.seal()
