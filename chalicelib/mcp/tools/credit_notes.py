"""Tools of the ``credit_notes`` toolset: list, read, issue and cancel credit notes (avoirs); thin adapters over
the services behind ``/api/v1/credit-notes``. A credit note is a legal document: never edited nor deleted, only
cancelled."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing.credit_notes import service
from chalicelib.billing.credit_notes.models import (
    CreditNoteCreate,
    CreditNoteListQuery,
    CreditNoteOut,
    CreditNoteStatus,
)
from chalicelib.billing.invoices.models import LineIn
from chalicelib.core.models import Day
from chalicelib.core.money import Amount, RatePercent
from chalicelib.mcp.models import (
    Confirm,
    Cursor,
    EndDate,
    IdempotencyKey,
    InvoiceId,
    StartDate,
    like,
    page_fields,
    request,
)
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "credit_notes"
RESOURCE = "orders"

CreditNoteId = Annotated[str, Field(min_length=1, max_length=64,
                                    description="The credit note's `id` (from list_credit_notes).")]


class CreditNoteList(BaseModel):
    credit_notes: list[CreditNoteOut]
    count: int = Field(description="Credit notes in this answer.")
    total: int = Field(description="Credit notes matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


@tool("list_credit_notes", toolset=TOOLSET, title="List credit notes", action="read", resource=RESOURCE)
def list_credit_notes(caller: Caller, *,
                      invoice_id: Annotated[str | None, like(CreditNoteListQuery, "invoice_id",
                                                             "Only the credit notes of this invoice.")] = None,
                      client_id: Annotated[str | None, like(CreditNoteListQuery, "client_id", "Only this client's.")]
                      = None,
                      status: Annotated[CreditNoteStatus | None, Field(description="issued or cancelled.")] = None,
                      start_date: StartDate = None, end_date: EndDate = None,
                      limit: Annotated[int, like(CreditNoteListQuery, "limit", "Per page, at most 100.")] = 50,
                      cursor: Cursor = None) -> CreditNoteList:
    """List credit notes, newest first, by invoice, client, status or date range. Amounts are decimals in each
    note's `currency`. Returns `{credit_notes, count, total, next_cursor}`.
    """
    query = request(CreditNoteListQuery, invoice_id=invoice_id, client_id=client_id, status=status,
                    start_date=start_date, end_date=end_date, limit=limit, cursor=cursor)
    listing = service.list_credit_notes(caller.deps, caller.org_id, query)
    return CreditNoteList(credit_notes=listing.items, **page_fields(listing))


@tool("get_credit_note", toolset=TOOLSET, title="Get a credit note", action="read", resource=RESOURCE)
def get_credit_note(caller: Caller, *, credit_note_id: CreditNoteId) -> CreditNoteOut:
    """Get one credit note: number (AV-YYYY-NNNN), the invoice it credits, reason, lines, totals and status."""
    return service.get_credit_note(caller.deps, caller.org_id, credit_note_id)


@tool("create_credit_note", toolset=TOOLSET, title="Issue a credit note", action="write", resource=RESOURCE)
def create_credit_note(caller: Caller, *, invoice_id: InvoiceId,
                       reason: Annotated[str, like(CreditNoteCreate, "reason",
                                                   "Why the invoice is credited (required).")],
                       items: Annotated[list[LineIn] | None,
                                        like(CreditNoteCreate, "items", "Lines credited (partial credit).")]
                       = None,
                       total_ht: Annotated[Amount | None, Field(description="Amount credited excluding VAT (partial "
                                                                            "credit without lines).")] = None,
                       tax_rate: Annotated[RatePercent | None, Field(description="VAT rate in percent. Default: "
                                                                                 "the invoice's.")] = None,
                       total_ttc: Annotated[Amount | None, Field(description="Amount credited including VAT; "
                                                                             "checked.")] = None,
                       date: Annotated[Day | None, Field(description="Credit note date. Default: today.")] = None,
                       notes: Annotated[str | None, like(CreditNoteCreate, "notes", "Text printed on it.")] = None,
                       idempotency_key: IdempotencyKey = None) -> CreditNoteOut:
    """Issue a credit note (avoir) against an issued invoice (sent, overdue or paid) to correct or cancel it. With
    no amounts the whole invoice is credited; with `items` or `total_ht` only that part. It is numbered
    AV-YYYY-NNNN and lowers what the client owes at once (the invoice's `total_credited`, balance and payment
    status change). Credits never exceed the invoice's total nor what is still owed (no refunds). Returns the
    credit note.
    """
    data = request(CreditNoteCreate, invoice_id=invoice_id, reason=reason, items=items, total_ht=total_ht,
                   tax_rate=tax_rate, total_ttc=total_ttc, date=date, notes=notes)
    return service.create_credit_note(caller.deps, caller.org_id, data)


@tool("cancel_credit_note", toolset=TOOLSET, title="Cancel a credit note", action="write", resource=RESOURCE,
      destructive=True, idempotent=True)
def cancel_credit_note(caller: Caller, *, credit_note_id: CreditNoteId, confirm: Confirm = False,
                       idempotency_key: IdempotencyKey = None) -> CreditNoteOut:
    """Cancel a credit note: it keeps its number, and its amount goes back to the invoice (whose balance grows
    again; a paid invoice reopens). Requires `confirm: true`. Returns the cancelled credit note.
    """
    return service.cancel_credit_note(caller.deps, caller.org_id, credit_note_id)
