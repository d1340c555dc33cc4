"""Tools of the ``payments`` toolset (the seed's four payment tools and ``get_payment``) and ``delete_payment`` (in
``admin``): thin adapters over the services behind ``/api/v1/payments``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing import receivables
from chalicelib.billing.invoices.models import PaymentStatus
from chalicelib.billing.payments import service
from chalicelib.billing.payments.models import PaymentCreate, PaymentListQuery, PaymentMethod, PaymentOut
from chalicelib.billing.receivable_models import ReceivablesSummary, UnpaidInvoice, UnpaidSummary
from chalicelib.core.models import Day
from chalicelib.core.money import PositiveAmount
from chalicelib.mcp.models import (
    Confirm,
    Cursor,
    Deleted,
    IdempotencyKey,
    InvoiceId,
    like,
    page_fields,
    request,
)
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "payments"
RESOURCE = "orders"

PaymentId = Annotated[str, Field(min_length=1, max_length=64, description="The payment's `id` (from list_payments).")]


class PaymentList(BaseModel):
    payments: list[PaymentOut]
    count: int = Field(description="Payments in this answer.")
    total: int = Field(description="Payments matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class PaymentRecorded(BaseModel):
    created: bool
    payment: PaymentOut
    receipt_number: str = Field(description="The receipt's number (REC-...), unique in the organization.")
    invoice_payment_status: PaymentStatus = Field(description="The invoice's payment status after this payment: "
                                                              "partial or paid.")


class UnpaidInvoices(BaseModel):
    invoices: list[UnpaidInvoice]
    summary: UnpaidSummary


@tool("list_payments", toolset=TOOLSET, title="List payments", action="read", resource=RESOURCE)
def list_payments(caller: Caller, *,
                  invoice_id: Annotated[str | None, like(PaymentListQuery, "invoice_id",
                                                         "Only the payments of this invoice (its id).")] = None,
                  client_id: Annotated[str | None, like(PaymentListQuery, "client_id",
                                                        "Only the payments of this client (its id).")] = None,
                  limit: Annotated[int, like(PaymentListQuery, "limit", "Payments per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> PaymentList:
    """List payments received, newest payment date first, optionally of one invoice or one client. Each payment
    has its amount (a decimal in its `currency`), date, method, receipt number and `allocations` (the invoices it
    paid and how much of each). Returns `{payments, count, total, next_cursor}`; pass `next_cursor` back as `cursor`
    for the next page.
    """
    query = request(PaymentListQuery, invoice_id=invoice_id, client_id=client_id, limit=limit, cursor=cursor)
    listing = service.list_payments(caller.deps, caller.org_id, query)
    return PaymentList(payments=listing.items, **page_fields(listing))


@tool("create_payment", toolset=TOOLSET, title="Record a payment", action="write", resource=RESOURCE)
def create_payment(caller: Caller, *, invoice_id: InvoiceId,
                   amount: Annotated[PositiveAmount, like(PaymentCreate, "amount",
                                                          "Amount received, a decimal in the invoice's currency "
                                                          "(> 0).")],
                   payment_method: Annotated[PaymentMethod, Field(description="How it was paid.")] = "bank_transfer",
                   payment_date: Annotated[Day | None, Field(description="Day received (YYYY-MM-DD). Default: "
                                                                             "today.")] = None,
                   reference: Annotated[str | None, like(PaymentCreate, "reference",
                                                         "Bank or cheque reference.")] = None,
                   notes: Annotated[str | None, like(PaymentCreate, "notes", "Internal notes.")] = None,
                   idempotency_key: IdempotencyKey = None) -> PaymentRecorded:
    """Record a payment received for an invoice. The invoice is updated in the same step: payment status
    `partial`, or `paid` (and status paid) once its balance reaches zero; a draft is issued first. A receipt
    number is assigned and, once accounting is initialized, the payment is posted to the books.

    The amount may not exceed the invoice's remaining balance (`balance_due`, see `get_invoice`): a larger amount
    is an error stating the balance. Cancelled invoices take no payment. Returns `{created, payment,
    receipt_number, invoice_payment_status}`.
    """
    data = request(PaymentCreate, invoice_id=invoice_id, amount=amount, payment_method=payment_method,
                   payment_date=payment_date, reference=reference, notes=notes)
    recorded = service.create_payment(caller.deps, caller.org_id, data)
    return PaymentRecorded(created=True, payment=recorded.payment, receipt_number=recorded.payment.receipt_number,
                           invoice_payment_status=recorded.invoice_payment_status)


@tool("get_unpaid_invoices", toolset=TOOLSET, title="Unpaid invoices", action="read", resource=RESOURCE)
def get_unpaid_invoices(caller: Caller, *,
                        days_overdue: Annotated[int | None, Field(ge=0, le=3650,
                                                                  description="Only invoices at least this many days "
                                                                              "past their due date (30 = more than "
                                                                              "a month late). Omit for every unpaid "
                                                                              "invoice, due or not.")] = None
                        ) -> UnpaidInvoices:
    """Issued invoices that still have a balance to pay (payment status unpaid or partial), oldest due date first,
    with the client, the amount paid, the remaining `balance_due` and how many days overdue each one is. Drafts and
    cancelled invoices are not included. `summary.total_unpaid` is the sum of the remaining balances in the
    organization's currency. Use it for dunning ("which invoices are more than 30 days late?").
    """
    found = receivables.unpaid_invoices(caller.deps, caller.org_id, days_overdue)
    return UnpaidInvoices(invoices=found.data, summary=found.summary)


@tool("get_receivables_summary", toolset=TOOLSET, title="Receivables summary", action="read", resource=RESOURCE)
def get_receivables_summary(caller: Caller) -> ReceivablesSummary:
    """Summary of what clients owe, computed from issued invoices: total receivable (billed net of credit notes),
    collected, pending (remaining balances), overdue (balances past due) and how many invoices are open. Amounts
    are decimals in the organization's `currency`; drafts and cancelled invoices are not counted.
    """
    return receivables.receivables_summary(caller.deps, caller.org_id)


@tool("get_payment", toolset=TOOLSET, title="Get a payment", action="read", resource=RESOURCE)
def get_payment(caller: Caller, *, payment_id: PaymentId) -> PaymentOut:
    """Get one payment: amount (a decimal in its `currency`), date, method, receipt number, reference and the
    invoices it paid (`allocations`)."""
    return service.get_payment(caller.deps, caller.org_id, payment_id)


@tool("delete_payment", toolset="admin", title="Delete a payment", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_payment(caller: Caller, *, payment_id: PaymentId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a payment recorded by mistake. Each invoice it paid gets the amount back: a paid invoice reopens
    and its balance grows again; once accounting is initialized the books get a reversing entry. Requires
    `confirm: true`. Returns `{success, id}`.
    """
    service.delete_payment(caller.deps, caller.org_id, payment_id)
    return Deleted(success=True, id=payment_id)
