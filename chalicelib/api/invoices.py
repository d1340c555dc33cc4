"""Routes of ``/api/v1/invoices``: thin adapters over the invoice services."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, deleted
from chalicelib.billing import receivables
from chalicelib.billing.invoices import changes, service
from chalicelib.billing.invoices.models import (
    InvoiceCreate,
    InvoiceDetail,
    InvoiceListQuery,
    InvoiceOut,
    InvoicePatch,
    InvoiceStats,
    StatsQuery,
)
from chalicelib.store.pagination import Listing

group = RouteGroup("invoices", tag="Invoices")
route = group.route
BASE = "/api/v1/invoices"
ITEM = BASE + "/{invoice_id}"
SCOPE = {"resource": "orders"}


@route("GET", BASE, operation_id="listInvoices", summary="List invoices", action="read", **SCOPE,
       query=InvoiceListQuery, response=InvoiceOut, list_response=True,
       description="Newest first. Filters: status, payment_status, client_id, start_date/end_date (invoice date, "
                   "inclusive), search (number, notes, reference, client name).")
def list_invoices(ctx: Ctx) -> Listing:
    return service.list_invoices(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createInvoice", summary="Create an invoice", action="write", **SCOPE,
       body=InvoiceCreate, response=InvoiceOut, status=201,
       description="With `items` the totals are computed (half-up rounding per line and per VAT rate); without, "
                   "`total_ttc` must equal `total_ht` × (1 + `tax_rate` %) within 0.01. `status` `sent` issues it.")
def create_invoice(ctx: Ctx) -> Any:
    return service.create_invoice(ctx.deps, ctx.org_id, ctx.body)


@route("GET", BASE + "/stats", operation_id="getInvoiceStats", summary="Invoicing statistics", action="read",
       **SCOPE, query=StatsQuery, response=InvoiceStats)
def invoice_stats(ctx: Ctx) -> Any:
    return receivables.invoice_stats(ctx.deps, ctx.org_id, ctx.query.months)


@route("GET", ITEM, operation_id="getInvoice", summary="Get an invoice with its lines, payments and client",
       action="read", **SCOPE, response=InvoiceDetail)
def get_invoice(ctx: Ctx) -> Any:
    return service.invoice_detail(ctx.deps, ctx.org_id, ctx.path["invoice_id"])


@route("PUT", ITEM, operation_id="replaceInvoice", summary="Replace a draft invoice", action="write", **SCOPE,
       body=InvoiceCreate, response=InvoiceOut)
def replace_invoice(ctx: Ctx) -> Any:
    return changes.update_invoice(ctx.deps, ctx.org_id, ctx.path["invoice_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateInvoice", summary="Update an invoice or move its status", action="write",
       **SCOPE, body=InvoicePatch, response=InvoiceOut,
       description="Drafts: any field. Issued invoices: notes, reference, due_date. `status` follows the "
                   "transitions draft→sent|paid|cancelled, sent→paid|overdue|cancelled, overdue→sent|paid|cancelled; "
                   "`paid` records a payment of the balance.")
def update_invoice(ctx: Ctx) -> Any:
    return changes.update_invoice(ctx.deps, ctx.org_id, ctx.path["invoice_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteInvoice", summary="Delete a draft invoice", action="delete", **SCOPE)
def delete_invoice(ctx: Ctx) -> Any:
    changes.delete_invoice(ctx.deps, ctx.org_id, ctx.path["invoice_id"])
    return deleted()


group.seal()
