"""Tools of the ``quotes`` toolset: list, read, create, edit, move, convert into an invoice and delete quotes; thin
adapters over the services behind ``/api/v1/quotes``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from chalicelib.billing.invoices.models import InvoiceOut, LineIn
from chalicelib.billing.quotes import service
from chalicelib.billing.quotes.models import (
    QuoteConvert,
    QuoteCreate,
    QuoteListQuery,
    QuoteOut,
    QuotePatch,
    QuoteStatus,
)
from chalicelib.core.models import Day
from chalicelib.core.money import Amount, RatePercent
from chalicelib.mcp.models import (
    ClientId,
    Confirm,
    Cursor,
    Deleted,
    EndDate,
    IdempotencyKey,
    StartDate,
    like,
    page_fields,
    request,
)
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "quotes"
RESOURCE = "orders"

QuoteId = Annotated[str, Field(min_length=1, max_length=64, description="The quote's `id` (from list_quotes).")]
QuoteNumber = Annotated[str | None, Field(max_length=50, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,49}$",
                                          description="Unique quote number; omit it to get the next "
                                                      "QUO-YYYY-NNNN.")]
Lines = Annotated[list[LineIn] | None, like(QuoteCreate, "items", "Quote lines (description, quantity, unit_price "
                                                                   "excluding VAT, optional tax_rate and discount in "
                                                                   "percent); the totals are computed from them.")]


class QuoteList(BaseModel):
    quotes: list[QuoteOut]
    count: int = Field(description="Quotes in this answer.")
    total: int = Field(description="Quotes matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class QuoteConverted(BaseModel):
    invoice: InvoiceOut = Field(description="The invoice created from the quote.")
    quote: QuoteOut = Field(description="The quote, now converted (and accepted if it was sent).")


@tool("list_quotes", toolset=TOOLSET, title="List quotes", action="read", resource=RESOURCE)
def list_quotes(caller: Caller, *,
                status: Annotated[QuoteStatus | None, Field(description="Only quotes in this status.")] = None,
                client_id: Annotated[str | None, like(QuoteListQuery, "client_id", "Only this client's quotes.")]
                = None,
                search: Annotated[str | None, like(QuoteListQuery, "search", "Words in the number, notes, "
                                                                             "reference or client name.")] = None,
                start_date: StartDate = None, end_date: EndDate = None,
                limit: Annotated[int, like(QuoteListQuery, "limit", "Quotes per page, at most 100.")] = 50,
                cursor: Cursor = None) -> QuoteList:
    """List quotes (devis), newest quote date first, filtered by status (draft, sent, accepted, rejected,
    expired), client, words or quote date range. Amounts are decimals in each quote's `currency`; rates are
    percentages. Returns `{quotes, count, total, next_cursor}`.
    """
    query = request(QuoteListQuery, status=status, client_id=client_id, search=search, start_date=start_date,
                    end_date=end_date, limit=limit, cursor=cursor)
    listing = service.list_quotes(caller.deps, caller.org_id, query)
    return QuoteList(quotes=listing.items, **page_fields(listing))


@tool("get_quote", toolset=TOOLSET, title="Get a quote", action="read", resource=RESOURCE)
def get_quote(caller: Caller, *, quote_id: QuoteId) -> QuoteOut:
    """Get one quote with its lines, totals, validity date, status and, once converted, its `invoice_id`."""
    return service.get_quote(caller.deps, caller.org_id, quote_id)


@tool("create_quote", toolset=TOOLSET, title="Create a quote", action="write", resource=RESOURCE)
def create_quote(caller: Caller, *, client_id: ClientId,
                 items: Lines = None,
                 total_ht: Annotated[Amount | None, Field(description="Total excluding VAT, when no `items`.")]
                 = None,
                 tax_rate: Annotated[RatePercent | None, Field(description="VAT rate in percent (20 for 20 %); "
                                                                           "default 20.")] = None,
                 total_ttc: Annotated[Amount | None, Field(description="Total including VAT; checked against "
                                                                       "total_ht and tax_rate.")] = None,
                 quote_number: QuoteNumber = None,
                 date: Annotated[Day | None, Field(description="Quote date. Default: today.")] = None,
                 valid_until: Annotated[Day | None, Field(description="Last day of validity. Default: date + "
                                                                          "30 days.")] = None,
                 notes: Annotated[str | None, like(QuoteCreate, "notes", "Text printed on the quote.")]
                 = None,
                 reference: Annotated[str | None, like(QuoteCreate, "reference", "Customer reference.")] = None,
                 status: Annotated[Literal["draft", "sent"], Field(description="`draft` (default) or `sent`.")]
                 = "draft",
                 idempotency_key: IdempotencyKey = None) -> QuoteOut:
    """Create a quote for an existing client. Amounts as for invoices: `items` (totals computed, half-up per line
    and per VAT rate) or the stated `total_ht` with `tax_rate` (and optional `total_ttc`, checked). Numbered at
    once. The currency is the client's preferred currency. Returns the quote.
    """
    data = request(QuoteCreate, client_id=client_id, items=items, total_ht=total_ht, tax_rate=tax_rate,
                   total_ttc=total_ttc, quote_number=quote_number, date=date, valid_until=valid_until, notes=notes,
                   reference=reference, status=status)
    return service.create_quote(caller.deps, caller.org_id, data)


@tool("update_quote", toolset=TOOLSET, title="Edit a quote", action="write", resource=RESOURCE, idempotent=True)
def update_quote(caller: Caller, *, quote_id: QuoteId,
                 notes: Annotated[str | None, like(QuotePatch, "notes", "New notes; \"\" clears them.")]
                 = None,
                 reference: Annotated[str | None, like(QuotePatch, "reference",
                                                       "New reference; \"\" clears it.")] = None,
                 valid_until: Annotated[Day | None, Field(description="New last day of validity.")] = None,
                 date: Annotated[Day | None, Field(description="New quote date (drafts only).")] = None,
                 items: Lines = None,
                 total_ht: Annotated[Amount | None, Field(description="New total excluding VAT (drafts only).")]
                 = None,
                 tax_rate: Annotated[RatePercent | None, Field(description="New VAT rate in percent (drafts "
                                                                           "only).")] = None,
                 total_ttc: Annotated[Amount | None, Field(description="New total including VAT (drafts only).")]
                 = None,
                 idempotency_key: IdempotencyKey = None) -> QuoteOut:
    """Change some fields of a quote; only the fields you pass change. Drafts and sent quotes: notes, reference,
    valid_until. Drafts only: date and amounts. To send, accept or reject it use `update_quote_status`.
    """
    patch = request(QuotePatch, notes=notes, reference=reference, valid_until=valid_until, date=date, items=items,
                    total_ht=total_ht, tax_rate=tax_rate, total_ttc=total_ttc)
    return service.update_quote(caller.deps, caller.org_id, quote_id, patch)


@tool("update_quote_status", toolset=TOOLSET, title="Change a quote's status", action="write", resource=RESOURCE,
      idempotent=True)
def update_quote_status(caller: Caller, *, quote_id: QuoteId,
                        status: Annotated[QuoteStatus, Field(description="The new status.")],
                        idempotency_key: IdempotencyKey = None) -> QuoteOut:
    """Move a quote: draft → sent, then sent → accepted, rejected or expired (those three are final). To turn an
    accepted or sent quote into an invoice use `convert_quote_to_invoice`. Returns the quote.
    """
    return service.update_quote(caller.deps, caller.org_id, quote_id, request(QuotePatch, status=status))


@tool("convert_quote_to_invoice", toolset=TOOLSET, title="Convert a quote into an invoice", action="write",
      resource=RESOURCE)
def convert_quote_to_invoice(caller: Caller, *, quote_id: QuoteId,
                             status: Annotated[Literal["draft", "sent"],
                                               Field(description="`draft` (default) or `sent` (the invoice is "
                                                                 "issued and numbered at once).")] = "draft",
                             date: Annotated[Day | None, Field(description="Invoice date. Default: today.")]
                             = None,
                             due_date: Annotated[Day | None,
                                                 Field(description="Due date. Default: date + the client's payment "
                                                                   "terms (30 days).")] = None,
                             invoice_number: Annotated[str | None,
                                                       Field(max_length=50,
                                                             pattern=r"^[A-Za-z0-9][A-Za-z0-9._/\-]{0,49}$",
                                                             description="Invoice number; omit it for the next "
                                                                         "INV-YYYY-NNNN.")] = None,
                             idempotency_key: IdempotencyKey = None) -> QuoteConverted:
    """Create the invoice of a sent or accepted quote (once per quote): same client, lines or totals, currency,
    notes and reference. A sent quote becomes accepted. Returns `{invoice, quote}`.
    """
    data = request(QuoteConvert, status=status, date=date, due_date=due_date, invoice_number=invoice_number)
    converted = service.convert_quote(caller.deps, caller.org_id, quote_id, data)
    return QuoteConverted(invoice=converted.invoice, quote=converted.quote)


@tool("delete_quote", toolset=TOOLSET, title="Delete a draft quote", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_quote(caller: Caller, *, quote_id: QuoteId, confirm: Confirm = False,
                 idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a draft quote for good (a sent quote cannot be deleted: set it rejected or expired instead).
    Requires `confirm: true`. Returns `{success, id}`.
    """
    service.delete_quote(caller.deps, caller.org_id, quote_id)
    return Deleted(success=True, id=quote_id)
