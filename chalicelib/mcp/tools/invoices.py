"""Tools of the ``invoices`` toolset: the seed's six invoice tools and ``update_invoice``, thin adapters over the
services behind ``/api/v1/invoices`` (each answers what the matching REST route answers in ``data``)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chalicelib.billing import receivables
from chalicelib.billing.invoices import changes, service
from chalicelib.billing.invoices.models import (
    InvoiceCreate,
    InvoiceDetail,
    InvoiceListQuery,
    InvoiceOut,
    InvoicePatch,
    InvoiceStats,
    InvoiceStatus,
    LineIn,
    StatsQuery,
)
from chalicelib.core.models import Day
from chalicelib.core.money import Amount, RatePercent
from chalicelib.mcp.models import (
    ClientId,
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

TOOLSET = "invoices"
RESOURCE = "orders"

InvoiceNumber = Annotated[str | None, Field(max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,49}$",
                                            description="Unique invoice number (letters, digits, . _ / -). Omit it "
                                                        "to get the next INV-YYYY-NNNN when the invoice is issued.")]
Lines = Annotated[list[LineIn] | None, like(InvoiceCreate, "items", "Invoice lines. When given, the totals are "
                                                                     "computed from them and total_ht/total_ttc may "
                                                                     "be omitted.")]
Notes = Annotated[str | None, like(InvoiceCreate, "notes", "Free text printed on the invoice.")]


class InvoiceList(BaseModel):
    invoices: list[InvoiceOut]
    count: int = Field(description="Invoices in this answer.")
    total: int = Field(description="Invoices matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class InvoiceCreated(BaseModel):
    created: bool
    invoice: InvoiceOut


class InvoiceUpdated(BaseModel):
    updated: bool
    invoice: InvoiceOut


@tool("list_invoices", toolset=TOOLSET, title="List invoices", action="read", resource=RESOURCE)
def list_invoices(caller: Caller, *,
                  status: Annotated[InvoiceStatus | None, Field(description="Only invoices in this status.")] = None,
                  client_id: Annotated[str | None, like(InvoiceListQuery, "client_id",
                                                        "Only the invoices of this client (its id).")]
                  = None,
                  limit: Annotated[int, like(InvoiceListQuery, "limit", "Invoices per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> InvoiceList:
    """List invoices, newest invoice date first, each with its lines, totals, payment status and balance.

    Use it to browse invoices, optionally of one `status` (draft, sent, paid, overdue, cancelled) or one client.
    To find invoices by words use `search_invoices`; for what clients still owe use `get_unpaid_invoices` (there
    is no status "unpaid": that is `payment_status` unpaid or partial). Amounts are decimals in each invoice's
    `currency`; `tax_rate` is a percentage (20 = 20 %); `balance_due` is what remains after payments and credit
    notes. Returns `{invoices, count, total, next_cursor}`; pass `next_cursor` back as `cursor` for the next page.
    """
    query = request(InvoiceListQuery, status=status, client_id=client_id, limit=limit, cursor=cursor)
    listing = service.list_invoices(caller.deps, caller.org_id, query)
    return InvoiceList(invoices=listing.items, **page_fields(listing))


@tool("get_invoice", toolset=TOOLSET, title="Get an invoice", action="read", resource=RESOURCE)
def get_invoice(caller: Caller, *, invoice_id: InvoiceId) -> InvoiceDetail:
    """Get one invoice with its lines (`items`), VAT breakdown, the client's full record (`client`) and the
    payments applied to it (`payments`: amount, date, method, receipt number).

    Needs the invoice's id: when the user gives a number such as INV-2026-042, find the id with
    `search_invoices` first. Amounts are decimals in the invoice's `currency`; `tax_rate` is in percent.
    """
    return service.invoice_detail(caller.deps, caller.org_id, invoice_id)


@tool("create_invoice", toolset=TOOLSET, title="Create an invoice", action="write", resource=RESOURCE)
def create_invoice(caller: Caller, *,
                   invoice_number: InvoiceNumber = None,
                   client_id: ClientId,
                   date: Annotated[Day | None, Field(description="Invoice date (YYYY-MM-DD). Default: today.")]
                   = None,
                   due_date: Annotated[Day | None,
                                       Field(description="Due date (YYYY-MM-DD), not before `date`. Default: date "
                                                         "+ the client's payment terms (30 days).")] = None,
                   total_ht: Annotated[Amount | None,
                                       Field(description="Total excluding VAT, in the invoice currency. Required "
                                                         "unless `items` are given.")] = None,
                   tax_rate: Annotated[RatePercent, Field(description="VAT rate in percent (20 for 20 %); also the "
                                                                      "default rate of lines without one.",
                                                                      json_schema_extra={"default": 20})] = Decimal(20),
                   total_ttc: Annotated[Amount | None,
                                        Field(description="Total including VAT; must equal total_ht × (1 + "
                                                          "tax_rate/100) within 0.01. Computed if omitted.")] = None,
                   status: Annotated[Literal["draft", "sent"],
                                     Field(description="`draft` (editable, default) or `sent` (issued now: "
                                                       "numbered, posted to the books, amounts frozen).")] = "draft",
                   notes: Notes = None,
                   items: Lines = None,
                   idempotency_key: IdempotencyKey = None) -> InvoiceCreated:
    """Create an invoice for an existing client (find or create it first with `list_clients`/`create_client`).

    Give the amounts either as `items` (each line: description, quantity, unit_price excluding VAT, optional
    tax_rate and discount in percent; totals are computed with half-up rounding per line and per VAT rate) or as
    the stated `total_ht` with `tax_rate` (and optionally `total_ttc`, which is checked, not trusted). The
    currency is the client's preferred currency. A `sent` invoice can no longer be edited: corrections then need
    a credit note. Returns `{created, invoice}` with the invoice's id, number, totals and balance.
    """
    data = request(InvoiceCreate, invoice_number=invoice_number, client_id=client_id, date=date, due_date=due_date,
                   total_ht=total_ht, tax_rate=tax_rate, total_ttc=total_ttc, status=status, notes=notes,
                   items=items)
    return InvoiceCreated(created=True, invoice=service.create_invoice(caller.deps, caller.org_id, data))


@tool("update_invoice_status", toolset=TOOLSET, title="Change an invoice's status", action="write",
      resource=RESOURCE, idempotent=True)
def update_invoice_status(caller: Caller, *, invoice_id: InvoiceId,
                          status: Annotated[InvoiceStatus, Field(description="The new status.")],
                          idempotency_key: IdempotencyKey = None) -> InvoiceUpdated:
    """Move an invoice to another status, following the allowed transitions: draft → sent|paid|cancelled,
    sent → paid|overdue|cancelled, overdue → sent|paid|cancelled; paid and cancelled are final.

    `sent` issues a draft (numbered, posted to the books). `paid` records a payment of the whole remaining
    balance dated today (method "other"); to record a partial or dated payment use `create_payment` instead.
    `cancelled` is refused once the invoice has payments or credit notes. A refused transition is an error that
    lists the allowed targets. Setting the current status again changes nothing. Returns `{updated, invoice}`.
    """
    patch = request(InvoicePatch, status=status)
    return InvoiceUpdated(updated=True, invoice=changes.update_invoice(caller.deps, caller.org_id, invoice_id, patch))


@tool("search_invoices", toolset=TOOLSET, title="Search invoices", action="read", resource=RESOURCE)
def search_invoices(caller: Caller, *,
                    query: Annotated[str, Field(min_length=1, max_length=200,
                                                description="Words to find in the invoice number, notes, "
                                                            "reference or client name (accents and case "
                                                            "ignored).")]) -> InvoiceList:
    """Find invoices by words: number (e.g. "INV-2026-042"), notes, reference or client name. At most the 20
    newest matches; use this to turn an invoice number the user mentions into the `id` other tools need.
    Returns `{invoices, count, total, next_cursor}` like `list_invoices`.
    """
    found = request(InvoiceListQuery, search=query, limit=20)
    listing = service.list_invoices(caller.deps, caller.org_id, found)
    return InvoiceList(invoices=listing.items, **page_fields(listing))


@tool("get_invoice_stats", toolset=TOOLSET, title="Invoicing statistics", action="read", resource=RESOURCE)
def get_invoice_stats(caller: Caller, *,
                      months: Annotated[int, like(StatsQuery, "months", "Period: the last N calendar months, the "
                                                                        "current one included (3 = this quarter-"
                                                                        "ish).")] = 12
                      ) -> InvoiceStats:
    """Invoicing figures over the last `months` months: total billed, paid and unpaid, overdue count and amount,
    and the number of invoices per status (`count`: draft, sent, paid, overdue, cancelled, total).

    Only issued invoices (sent, overdue, paid) count in the amounts, net of credit notes; drafts and cancelled
    invoices do not. Amounts are decimals in the organization's `currency` (invoices in other currencies are
    left out of the sums).
    """
    return receivables.invoice_stats(caller.deps, caller.org_id, months)


@tool("update_invoice", toolset=TOOLSET, title="Edit an invoice", action="write", resource=RESOURCE,
      idempotent=True)
def update_invoice(caller: Caller, *, invoice_id: InvoiceId,
                   notes: Annotated[str | None, like(InvoicePatch, "notes", "New notes; \"\" clears them.")]
                   = None,
                   reference: Annotated[str | None, like(InvoicePatch, "reference", "Customer reference (PO "
                                                                                    "number); \"\" clears it.")]
                   = None,
                   due_date: Annotated[Day | None, Field(description="New due date (YYYY-MM-DD).")] = None,
                   invoice_number: InvoiceNumber = None,
                   client_id: Annotated[str | None, like(InvoicePatch, "client_id",
                                                         "Another client (drafts only).")] = None,
                   date: Annotated[Day | None, Field(description="New invoice date (drafts only).")] = None,
                   total_ht: Annotated[Amount | None, Field(description="New total excluding VAT (drafts only).")]
                   = None,
                   tax_rate: Annotated[RatePercent | None, Field(description="New VAT rate in percent (drafts "
                                                                             "only).")] = None,
                   total_ttc: Annotated[Amount | None, Field(description="New total including VAT (drafts only).")]
                   = None,
                   items: Lines = None,
                   idempotency_key: IdempotencyKey = None) -> InvoiceOut:
    """Change some fields of an invoice; only the fields you pass change.

    Any invoice still open: `notes`, `reference`, `due_date`. Drafts only: number, client, date and amounts
    (`items`, or `total_ht`/`tax_rate`/`total_ttc`, recomputed together). An issued invoice's amounts are frozen
    (error `invoice_locked`): correct them with a credit note. To change the status use `update_invoice_status`.
    Returns the updated invoice.
    """
    patch = request(InvoicePatch, notes=notes, reference=reference, due_date=due_date, invoice_number=invoice_number,
                    client_id=client_id, date=date, total_ht=total_ht, tax_rate=tax_rate, total_ttc=total_ttc,
                    items=items)
    return changes.update_invoice(caller.deps, caller.org_id, invoice_id, patch)


@tool("delete_invoice", toolset="admin", title="Delete a draft invoice", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_invoice(caller: Caller, *, invoice_id: InvoiceId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a draft invoice for good. Issued invoices cannot be deleted (`invoice_not_draft`): cancel them with
    `update_invoice_status(status="cancelled")` or credit them with a credit note. Requires `confirm: true`.
    Returns `{success, id}`.
    """
    changes.delete_invoice(caller.deps, caller.org_id, invoice_id)
    return Deleted(success=True, id=invoice_id)
