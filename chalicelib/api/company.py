"""Routes of ``/api/v1/company``: thin adapters over ``chalicelib.company.service``."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx
from chalicelib.bookkeeping import company as bookkeeping
from chalicelib.company import service
from chalicelib.company.models import CompanyOut, CompanyPatch, CompanyUpdate

group = RouteGroup("company", tag="Company")
route = group.route
BASE = "/api/v1/company"


@route("GET", BASE, operation_id="getCompany", summary="Get the company profile", action="read", resource=None,
       response=CompanyOut,
       description="Never 404: an organization that never set its profile gets the default one (its name and "
                   "currency, `version` 0).")
def get_company(ctx: Ctx) -> Any:
    return service.read_company(ctx.deps, ctx.org_id)


@route("PUT", BASE, operation_id="replaceCompany", summary="Replace the company profile", action="write",
       resource=None, body=CompanyUpdate, response=CompanyOut,
       description="Every writable field is replaced; fields left out take their defaults or become empty (the legal "
                   "mentions printed on invoices take the usual French wording), and a "
                   "currency left out stays the organization's. The currency also becomes the organization's "
                   "books currency. Once the books hold entries, changing `currency`, `fiscal_year_start` or "
                   "`accounting_country` is refused with 409 `books_in_use`.")
def replace_company(ctx: Ctx) -> Any:
    return bookkeeping.replace_company(ctx.deps, ctx.org_id, ctx.body)


@route("PATCH", BASE, operation_id="updateCompany", summary="Change some fields of the company profile",
       action="write", resource=None, body=CompanyPatch, response=CompanyOut,
       description="Only the fields sent change; `\"\"` or `null` clears an optional one. The change is merged into "
                   "the profile as it is when it commits, so concurrent changes of different fields all land, and "
                   "the resulting profile is checked as a whole, as for PUT (422 naming the field; 409 "
                   "`books_in_use` for `currency`, `fiscal_year_start` or `accounting_country` once the books hold "
                   "entries).")
def update_company(ctx: Ctx) -> Any:
    return bookkeeping.patch_company(ctx.deps, ctx.org_id, ctx.body.model_dump(exclude_unset=True))


group.seal()
