"""The answers of what clients owe (``chalicelib.billing.receivables``): unpaid invoices, the receivables summary
and a client's balance, shared by the REST routes and the MCP tools so both write the same fields."""

from __future__ import annotations

import datetime as dt

from pydantic import Field

from chalicelib.core.models import Model
from chalicelib.core.money import Money


class DebtorRef(Model):
    id: str = Field(description="The client's id.")
    company_name: str | None = Field(description="The client's name on the invoice.")


class UnpaidInvoice(Model):
    id: str
    invoice_number: str | None
    date: dt.date
    due_date: dt.date
    status: str
    total_ttc: Money = Field(description="Total including VAT.")
    amount_paid: Money
    balance_due: Money = Field(description="What remains to pay.")
    payment_status: str
    currency: str
    days_overdue: int = Field(description="Days past the due date (0 when not yet due).")
    client: DebtorRef


class UnpaidSummary(Model):
    count: int
    currency: str
    total_unpaid: Money = Field(description="Sum of the remaining balances (not of the invoice totals).")


class UnpaidInvoices(Model):
    """The body of ``GET /payments/unpaid``: the invoices (oldest due first) and their summary."""

    data: list[UnpaidInvoice]
    summary: UnpaidSummary


class ReceivablesSummary(Model):
    """What clients owe, from issued invoices in the organization's currency."""

    total_receivable: Money = Field(description="Issued invoices' totals including VAT, net of credit notes.")
    total_collected: Money = Field(description="Payments applied to them.")
    total_pending: Money = Field(description="Remaining balances.")
    total_overdue: Money = Field(description="Remaining balances past their due date.")
    count: int = Field(description="Invoices with a remaining balance.")
    invoice_count: int = Field(description="Issued invoices counted.")
    currency: str


class ClientBalance(Model):
    """What a client owes, from its issued invoices (sent, overdue, paid) in the client's currency."""

    client_id: str
    company_name: str
    currency: str
    total_invoiced: Money = Field(description="Issued invoices' totals including VAT, net of credit notes.")
    total_paid: Money = Field(description="Payments applied to those invoices.")
    outstanding: Money = Field(description="What remains to pay (sum of balances).")
    overdue: Money = Field(description="The part of `outstanding` past its due date.")
    invoice_count: int = Field(description="Issued invoices counted.")
