"""Analytics models: the query parameters and answers of ``/api/v1/analytics``.

Every amount is a ``Decimal`` in the organization's currency, rounded to its minor unit (EUR: cents, XOF: units).
A month is written ``YYYY-MM`` (``2026-03``) and is a calendar month of the organization's time zone.
"""

from __future__ import annotations

import re
from datetime import date

from pydantic import ConfigDict, Field, RootModel, field_validator

from chalicelib.core.models import Model, QueryModel, check_day_range
from chalicelib.core.money import Money

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
_MONTH = re.compile(MONTH_PATTERN)
MAX_MONTHS = 36


def month_key(day: date) -> str:
    """The ``YYYY-MM`` of the month holding ``day``."""
    return f"{day.year:04d}-{day.month:02d}"


def first_day(month: str) -> date:
    """The first day of a ``YYYY-MM`` month (already validated)."""
    return date(int(month[:4]), int(month[5:7]), 1)


class KpisQuery(QueryModel):
    """Query of ``GET /analytics/kpis``."""

    month: str | None = Field(default=None, description="Month as `YYYY-MM`; default: the current month in the "
                                                        "organization's time zone.",
                              json_schema_extra={"pattern": MONTH_PATTERN, "examples": ["2026-03"]})

    @field_validator("month")
    @classmethod
    def _month(cls, value: str | None) -> str | None:
        if value is not None and not _MONTH.fullmatch(value):
            raise ValueError("must be a month written YYYY-MM, for example 2026-03")
        if value is not None:
            check_day_range(first_day(value))
        return value


class CashFlowQuery(QueryModel):
    """Query of ``GET /analytics/cash-flow``."""

    months: int = Field(default=6, ge=1, le=MAX_MONTHS,
                        description="How many months, the current one included (oldest first).")


class TopClientsQuery(QueryModel):
    """Query of ``GET /analytics/top-clients``."""

    limit: int = Field(default=10, ge=1, le=100, description="How many clients, at most 100.")
    months: int | None = Field(default=None, ge=1, le=MAX_MONTHS,
                               description="Only invoices dated in the last N months (the current one included); "
                                           "default: all time.")


class Kpis(Model):
    """The dashboard figures of one month, and the receivables as of today.

    * ``revenue_billed`` / ``revenue_billed_ht``: issued invoices (sent, overdue, paid; not drafts, not cancelled)
      dated in the month, TTC / HT, less what credit notes took back from them.
    * ``revenue_collected``: payments received in the month (by payment date), whatever the invoice's date.
    * ``expenses`` / ``expenses_ht``: expenses paid in the month (by expense date), TTC / HT.
    * ``margin`` = ``revenue_billed_ht`` − ``expenses_ht``: the month's margin before tax (billed net of VAT and
      credits, less spent net of deductible VAT).
    * ``total_pending_all_time`` / ``overdue_amount``: balances still due on issued invoices of any date, and the
      part of them past the due date, as of today (they do not depend on ``month``).
    * ``invoices_this_month``: how many issued invoices are dated in the month.
    """

    month: str
    revenue_billed: Money
    revenue_billed_ht: Money
    revenue_collected: Money
    expenses: Money
    expenses_ht: Money
    margin: Money
    total_pending_all_time: Money
    overdue_amount: Money
    invoices_this_month: int
    currency: str


class MonthFlow(Model):
    """One month of cash: payments received and expenses paid (by their own dates)."""

    month: str
    income: Money
    expenses: Money
    net: Money


class CashFlowSummary(Model):
    total_income: Money
    total_expenses: Money
    net: Money
    average_monthly_net: Money = Field(description="`net` / `months`, rounded half-up to the minor unit.")
    months: int


class CashFlow(Model):
    """Cash in and out per month, oldest first; months with nothing are there with zeros."""

    monthly: list[MonthFlow]
    summary: CashFlowSummary
    currency: str


class TopClient(Model):
    """A client's issued invoices (in the period): revenue net of credits, what was paid, what remains."""

    client_id: str
    company_name: str
    email: str | None
    total_revenue: Money
    total_paid: Money
    outstanding: Money
    invoice_count: int
    currency: str


class TopClients(RootModel):  # the field, not a parameter: RootModel[list[...]] would build its schema at import
    """Clients by revenue, highest first; ties by company name."""

    model_config = ConfigDict(defer_build=True)  # as every model of ours (core.models.Model)

    root: list[TopClient]
