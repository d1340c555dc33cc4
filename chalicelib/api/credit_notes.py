"""Routes of ``/api/v1/credit-notes``: thin adapters over the credit note services (no edit, no delete: a credit
note is a legal document; it is cancelled instead)."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx
from chalicelib.billing.credit_notes import service
from chalicelib.billing.credit_notes.models import CreditNoteCreate, CreditNoteListQuery, CreditNoteOut
from chalicelib.store.pagination import Listing

group = RouteGroup("credit_notes", tag="Credit notes")
route = group.route
BASE = "/api/v1/credit-notes"
ITEM = BASE + "/{credit_note_id}"
SCOPE = {"resource": "orders"}


@route("GET", BASE, operation_id="listCreditNotes", summary="List credit notes", action="read", **SCOPE,
       query=CreditNoteListQuery, response=CreditNoteOut, list_response=True,
       description="Newest first. Filters: invoice_id, client_id, status, start_date/end_date (inclusive).")
def list_credit_notes(ctx: Ctx) -> Listing:
    return service.list_credit_notes(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createCreditNote", summary="Issue a credit note against an invoice",
       action="write", **SCOPE, body=CreditNoteCreate, response=CreditNoteOut, status=201,
       description="Credits an issued invoice (sent, overdue, paid): in full without amounts (while nothing of it "
                   "was credited), or in part with `items` or `total_ht`/`tax_rate`/`total_ttc`. Numbered "
                   "AV-YYYY-NNNN. The invoice's `total_credited`, balance and payment status change in the same "
                   "transaction; credits never exceed the invoice's total nor what is still owed (no refunds).")
def create_credit_note(ctx: Ctx) -> Any:
    return service.create_credit_note(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getCreditNote", summary="Get a credit note", action="read", **SCOPE,
       response=CreditNoteOut)
def get_credit_note(ctx: Ctx) -> Any:
    return service.get_credit_note(ctx.deps, ctx.org_id, ctx.path["credit_note_id"])


@route("POST", ITEM + "/cancel", operation_id="cancelCreditNote", summary="Cancel a credit note", action="write",
       **SCOPE, response=CreditNoteOut,
       description="The credit note keeps its number; its amount goes back to the invoice (a paid invoice reopens).")
def cancel_credit_note(ctx: Ctx) -> Any:
    return service.cancel_credit_note(ctx.deps, ctx.org_id, ctx.path["credit_note_id"])


group.seal()
