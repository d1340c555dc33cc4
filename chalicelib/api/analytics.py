"""Routes of ``/api/v1/analytics``: thin adapters over ``chalicelib.analytics.service`` (read-only figures)."""

from __future__ import annotations

from typing import Any

from chalicelib.analytics import service
from chalicelib.analytics.models import CashFlow, CashFlowQuery, Kpis, KpisQuery, TopClients, TopClientsQuery
from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx

group = RouteGroup("analytics", tag="Analytics")
route = group.route
BASE = "/api/v1/analytics"
SCOPE = {"resource": "analytics"}


@route("GET", BASE + "/kpis", operation_id="getDashboardKPIs", summary="Dashboard figures of a month",
       action="read", **SCOPE, query=KpisQuery, response=Kpis,
       description="Billed (issued invoices dated in the month, net of credits; drafts and cancelled excluded), "
                   "collected (payments received in the month), expenses (by expense date), margin "
                   "(`revenue_billed_ht - expenses_ht`), and the pending and overdue balances as of today. "
                   "Amounts in the organization's currency; documents in other currencies are left out.")
def kpis(ctx: Ctx) -> Any:
    return service.dashboard_kpis(ctx.deps, ctx.org_id, ctx.query.month)


@route("GET", BASE + "/cash-flow", operation_id="getCashFlow", summary="Cash in and out per month",
       action="read", **SCOPE, query=CashFlowQuery, response=CashFlow,
       description="The last `months` calendar months (the current one included), oldest first: payments "
                   "received and expenses paid by their own dates; months with nothing show zeros.")
def cash_flow(ctx: Ctx) -> Any:
    return service.cash_flow(ctx.deps, ctx.org_id, ctx.query.months)


@route("GET", BASE + "/top-clients", operation_id="getTopClients", summary="Clients by revenue", action="read",
       **SCOPE, query=TopClientsQuery, response=TopClients,
       description="Revenue = issued invoices net of credits (all time, or dated in the last `months` months); "
                   "highest first, equal revenues by company name.")
def top_clients(ctx: Ctx) -> Any:
    return service.top_clients(ctx.deps, ctx.org_id, ctx.query.limit, ctx.query.months)


group.seal()
