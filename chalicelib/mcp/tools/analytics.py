"""Tools of the ``analytics`` toolset: cash flow, dashboard KPIs and top clients, thin adapters over
``chalicelib.analytics.service`` (the ``/api/v1/analytics`` routes answer the same figures)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.analytics import service
from chalicelib.analytics.models import MAX_MONTHS, CashFlow, Kpis, TopClient, TopClientsQuery
from chalicelib.mcp.models import like
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "analytics"
RESOURCE = "analytics"


class TopClients(BaseModel):
    top_clients: list[TopClient] = Field(description="Highest revenue first; equal revenues by company name.")


@tool("get_cash_flow", toolset=TOOLSET, title="Cash flow per month", action="read", resource=RESOURCE)
def get_cash_flow(caller: Caller, *,
                  months: Annotated[int, Field(ge=1, le=MAX_MONTHS,
                                               description="How many calendar months, the current one included "
                                                           "(at most 36).")] = 6) -> CashFlow:
    """Cash in and out per calendar month, oldest first: `income` = payments received (by payment date),
    `expenses` = expenses paid (by expense date), `net` = income − expenses; months with nothing show zeros.
    `summary` gives the totals and the average monthly net. Amounts are decimals in the organization's
    `currency`; documents in other currencies are left out.
    """
    return service.cash_flow(caller.deps, caller.org_id, months)


@tool("get_dashboard_kpis", toolset=TOOLSET, title="Dashboard KPIs of the month", action="read", resource=RESOURCE)
def get_dashboard_kpis(caller: Caller) -> Kpis:
    """This month's key figures (month of the organization's time zone): `revenue_billed` (issued invoices dated in
    the month, including VAT, net of credit notes; drafts and cancelled excluded) and `revenue_billed_ht`,
    `revenue_collected` (payments received in the month), `expenses` and `expenses_ht` (by expense date), `margin`
    (revenue_billed_ht − expenses_ht), and as of today `total_pending_all_time` (balances still due on issued
    invoices) and `overdue_amount`, plus `invoices_this_month`. Amounts are decimals in `currency`.
    """
    return service.dashboard_kpis(caller.deps, caller.org_id, None)


@tool("get_top_clients", toolset=TOOLSET, title="Top clients by revenue", action="read", resource=RESOURCE)
def get_top_clients(caller: Caller, *,
                    limit: Annotated[int, like(TopClientsQuery, "limit", "How many clients, at most 100.")] = 10
                    ) -> TopClients:
    """Clients ranked by revenue over all time: issued invoices including VAT, net of credit notes (drafts and
    cancelled excluded), with what they paid, what they still owe and their invoice count. Amounts are decimals in
    the organization's currency. Returns `{top_clients}`.
    """
    return TopClients(top_clients=service.top_clients(caller.deps, caller.org_id, limit, None))
