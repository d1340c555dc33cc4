"""Routes of ``/api/v1/payments``: payments, unpaid invoices and the receivables summary."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply, deleted
from chalicelib.billing import receivables
from chalicelib.billing.payments import service
from chalicelib.billing.payments.models import PaymentCreate, PaymentListQuery, PaymentOut
from chalicelib.billing.receivable_models import ReceivablesSummary, UnpaidInvoices
from chalicelib.core.models import QueryModel
from chalicelib.store.pagination import Listing

group = RouteGroup("payments", tag="Payments")
route = group.route
BASE = "/api/v1/payments"
SCOPE = {"resource": "orders"}


class UnpaidQuery(QueryModel):
    days_overdue: int | None = Field(default=None, ge=0, le=3650,
                                     description="Only invoices at least this many days past due.")


@route("GET", BASE, operation_id="listPayments", summary="List payments", action="read", **SCOPE,
       query=PaymentListQuery, response=PaymentOut, list_response=True,
       description="Newest payment date first; filters invoice_id, client_id, start_date/end_date (inclusive).")
def list_payments(ctx: Ctx) -> Listing:
    return service.list_payments(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createPayment", summary="Record a payment", action="write", **SCOPE,
       body=PaymentCreate, response=PaymentOut, status=201,
       description="Updates the invoice(s) in the same transaction: `partial`, or `paid` and status `paid`. An "
                   "amount above the balance is refused (422 with the balance) unless `overpayment` is true. "
                   "Answers `{data, receipt_number, invoice_payment_status}`.")
def create_payment(ctx: Ctx) -> Reply:
    recorded = service.create_payment(ctx.deps, ctx.org_id, ctx.body)
    return Reply({"data": recorded.payment, "receipt_number": recorded.payment.receipt_number,
                  "invoice_payment_status": recorded.invoice_payment_status}, status=201)


@route("GET", BASE + "/unpaid", operation_id="getUnpaidInvoices", summary="Unpaid invoices", action="read",
       **SCOPE, query=UnpaidQuery, response=UnpaidInvoices, bare=True,
       description="Issued invoices with a balance (drafts and cancelled excluded), oldest due first; "
                   "`summary.total_unpaid` is the sum of balances.")
def unpaid(ctx: Ctx) -> Reply:
    return Reply(receivables.unpaid_invoices(ctx.deps, ctx.org_id, ctx.query.days_overdue))


@route("GET", BASE + "/receivables", operation_id="getReceivablesSummary", summary="Receivables summary",
       action="read", **SCOPE, response=ReceivablesSummary)
def receivables_summary(ctx: Ctx) -> Any:
    return receivables.receivables_summary(ctx.deps, ctx.org_id)


@route("GET", BASE + "/{payment_id}", operation_id="getPayment", summary="Get a payment", action="read", **SCOPE,
       response=PaymentOut)
def get_payment(ctx: Ctx) -> Any:
    return service.get_payment(ctx.deps, ctx.org_id, ctx.path["payment_id"])


@route("DELETE", BASE + "/{payment_id}", operation_id="deletePayment", summary="Delete a payment", action="delete",
       **SCOPE, description="Gives back to each invoice what the payment had paid (a paid invoice reopens).")
def delete_payment(ctx: Ctx) -> Any:
    service.delete_payment(ctx.deps, ctx.org_id, ctx.path["payment_id"])
    return deleted()


group.seal()
