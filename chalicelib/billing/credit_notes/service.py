"""Credit note use cases: issue one against an invoice, read, list, cancel.

Issuing is one transaction holding the credit note (with its link to the invoice and its number marker), the
year's numbering counter (gapless ``AV-YYYY-NNNN``), the counters, the client's reference count, the invoice at its
expected version with its new ``total_credited`` (``lifecycle.settle`` recomputes its balance, payment status and
paid status) and the events. The invoice's version serializes concurrent credit notes and payments, so the caps
hold under concurrency:

* the credit notes of an invoice never exceed its ``total_ttc`` (422 ``credit_exceeds_invoice``);
* what the invoice still owes never falls below what was already paid (422 ``credit_exceeds_balance``): refunds
  are not supported, so a balance never becomes negative.

Only issued invoices (sent, overdue, paid) are credited: a draft is corrected directly and a cancelled invoice
owes nothing. Cancelling a credit note gives its amount back to the invoice (a paid invoice reopens).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from chalicelib.billing.credit_notes import repository as repo
from chalicelib.billing.credit_notes.models import CreditNote, CreditNoteCreate, CreditNoteListQuery, CreditNoteOut
from chalicelib.billing.invoices import repository as invoices_repo
from chalicelib.billing.invoices import service as invoices
from chalicelib.billing.invoices.lifecycle import settle
from chalicelib.billing.invoices.models import Invoice, InvoicePatch
from chalicelib.billing.numbering import CREDIT_NOTES
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.core.money import ZERO, rate_text
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Page
from chalicelib.store.unit import Step, commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

CREDITABLE = frozenset({"sent", "overdue", "paid"})
_BATCH = 1000


def event(deps: Deps, note: CreditNote, type_: str) -> Step:
    payload = {"credit_note_id": note.id, "credit_note_number": note.credit_note_number,
               "invoice_id": note.invoice_id, "invoice_number": note.invoice_number, "client_id": note.client_id,
               "status": note.status, "total_ht": str(note.total_ht), "total_ttc": str(note.total_ttc),
               "currency": note.currency, "reason": note.reason}
    return (record_event(Event(id=deps.new_id(), org_id=note.org_id, type=type_, entity="credit_note",
                               entity_id=note.id, payload=payload, occurred_at=deps.clock.now())), None)


def to_out(note: CreditNote) -> CreditNoteOut:
    return CreditNoteOut.model_construct(**{name: getattr(note, name) for name in CreditNoteOut.model_fields})


def require_credit_note(deps: Deps, org_id: str, credit_note_id: str) -> CreditNote:
    note = repo.get(deps.store, org_id, credit_note_id) if is_uuid(credit_note_id) else None
    if note is None:
        raise NotFound(f"credit note {credit_note_id} not found", code="credit_note_not_found")
    return note


def get_credit_note(deps: Deps, org_id: str, credit_note_id: str) -> CreditNoteOut:
    return to_out(require_credit_note(deps, org_id, credit_note_id))


# --- issuing ----------------------------------------------------------------------------------------------------


def _creditable_invoice(deps: Deps, org_id: str, data: CreditNoteCreate) -> Invoice:
    try:
        invoice = invoices.require_invoice(deps, org_id, data.invoice_id)
    except NotFound as exc:
        raise field_error("invoice_id", "no invoice with this id in your organization",
                          code="invoice_not_found") from exc
    if invoice.status not in CREDITABLE:
        reason = ("a draft invoice is corrected directly (edit or delete it)" if invoice.status == "draft"
                  else "a cancelled invoice owes nothing")
        raise Conflict(f"invoice {invoice.invoice_number or invoice.id} is {invoice.status}: only issued invoices "
                       f"(sent, overdue, paid) are credited; {reason}",
                       code="invoice_cancelled" if invoice.status == "cancelled" else "invoice_not_issued",
                       details={"invoice_id": [f"invoice is {invoice.status}"]})
    if data.client_id is not None and data.client_id != invoice.client_id:
        raise field_error("client_id", "is not the invoice's client")
    return invoice


def _full_amounts(invoice: Invoice) -> dict[str, Any]:
    """The whole invoice, line for line (or its stated totals): only while nothing of it was credited."""
    if invoice.total_credited > ZERO:
        remaining = invoice.total_ttc - invoice.total_credited
        raise field_error("total_ht", f"invoice {invoice.invoice_number} was already credited "
                                      f"{invoice.total_credited}; state the amounts to credit (items or total_ht "
                                      f"with tax_rate), at most {remaining} including VAT",
                          code="credit_amounts_required")
    return {"items": invoice.items, "total_ht": invoice.total_ht, "tax_rate": invoice.tax_rate,
            "total_vat": invoice.total_vat, "total_ttc": invoice.total_ttc, "vat_breakdown": invoice.vat_breakdown}


def _partial_amounts(invoice: Invoice, data: CreditNoteCreate) -> dict[str, Any]:
    """The stated part, by the invoices' rules, in the invoice's currency; VAT rate by default the invoice's."""
    rate = data.tax_rate if data.tax_rate is not None else invoice.tax_rate
    if rate is None and (not data.items or any(line.tax_rate is None for line in data.items)):
        raise field_error("tax_rate", "the invoice mixes VAT rates: state the rate of what is credited")
    stated = InvoicePatch.model_validate({"items": data.items, "total_ht": data.total_ht, "tax_rate": rate,
                                          "total_vat": data.total_vat, "total_ttc": data.total_ttc})
    amounts = invoices._amounts(stated, invoice.currency)
    if amounts["total_ttc"] <= ZERO:
        raise field_error("total_ttc", "a credit note credits a positive amount")
    return amounts


def _check_caps(invoice: Invoice, total_ttc: Decimal) -> None:
    creditable = invoice.total_ttc - invoice.total_credited
    if total_ttc > creditable:
        raise ValidationFailed(f"total_ttc {total_ttc} exceeds what remains creditable on invoice "
                               f"{invoice.invoice_number}: {creditable} (total {invoice.total_ttc}, already "
                               f"credited {invoice.total_credited})", code="credit_exceeds_invoice",
                               details={"total_ttc": [f"at most {creditable}"], "creditable": str(creditable)})
    owed = invoice.total_ttc - invoice.total_credited - invoice.amount_paid
    if total_ttc > owed:
        raise ValidationFailed(f"total_ttc {total_ttc} exceeds the balance due {owed} of invoice "
                               f"{invoice.invoice_number} ({invoice.amount_paid} already paid); refunds are not "
                               f"supported, so a credit note cannot exceed what is still owed (delete the payment "
                               f"first, or credit at most {owed})", code="credit_exceeds_balance",
                               details={"total_ttc": [f"at most {owed}"], "balance_due": str(owed)})


def _check_rates(invoice: Invoice, breakdown: Any, earlier: list[CreditNote]) -> None:
    """Each VAT rate credited must be one of the invoice's, with a positive base no larger than what remains of the
    invoice's base at that rate: a credit note corrects the sale it refers to, rate by rate (the VAT return and the
    before-tax revenue stay right)."""
    remaining = {line.rate.normalize(): line.base for line in invoice.vat_breakdown}
    for note in earlier:
        if note.status != "cancelled":
            for line in note.vat_breakdown:
                remaining[line.rate.normalize()] = remaining.get(line.rate.normalize(), ZERO) - line.base
    for line in breakdown:
        rate = line.rate.normalize()
        if rate not in remaining:
            raise field_error("tax_rate", f"{rate_text(rate)} is not a rate of invoice {invoice.invoice_number} "
                                          f"({', '.join(rate_text(r) for r in sorted(remaining))})")
        if line.base <= ZERO or line.base > remaining[rate]:
            raise ValidationFailed(f"the base credited at {rate_text(rate)} must be positive and at most "
                                   f"{remaining[rate]}",
                                   code="credit_exceeds_invoice",
                                   details={"total_ht": [f"at most {remaining[rate]} at {rate_text(rate)}"]})


def _settled(deps: Deps, org_id: str, invoice: Invoice, total_credited: Decimal) -> Invoice:
    updated = settle(invoice, amount_paid=invoice.amount_paid, total_credited=total_credited, now=deps.clock.now(),
                     today=invoices.org_today(deps, org_id))
    if updated.status == "cancelled":  # a cancelled invoice owes nothing, whatever is credited
        updated = updated.model_copy(update={"balance_due": ZERO})
    return updated.model_copy(update={"version": invoice.version + 1})


def _invoice_steps(deps: Deps, before: Invoice, after: Invoice, note: CreditNote) -> list[Step]:
    steps: list[Step] = [(invoices_repo.replace(after, before.version), None),
                         invoices.event(deps, after, "invoice.updated", credit_note_id=note.id,
                                        changed=["balance_due", "payment_status", "total_credited"])]
    if after.status == "paid" and before.status != "paid":  # as when a payment settles it
        steps.append(invoices.event(deps, after, "invoice.paid", previous_status=before.status))
    return steps


def create_credit_note(deps: Deps, org_id: str, data: CreditNoteCreate) -> CreditNoteOut:
    note_id = deps.new_id()

    def attempt() -> CreditNoteOut:
        invoice = _creditable_invoice(deps, org_id, data)
        amounts = _full_amounts(invoice) if data.is_full() else _partial_amounts(invoice, data)
        _check_caps(invoice, amounts["total_ttc"])
        _check_rates(invoice, amounts["vat_breakdown"], repo.of_invoice(deps.store, org_id, invoice.id))
        now = deps.clock.now()
        day = data.date or max(invoices.org_today(deps, org_id), invoice.date)
        if day < invoice.date:
            raise field_error("date", f"must not be before the invoice's date {invoice.date.isoformat()}")
        number, claim = CREDIT_NOTES.next(deps.store, org_id, day.year)
        note = CreditNote(id=note_id, org_id=org_id, credit_note_number=number,
                          invoice_id=invoice.id, invoice_number=invoice.invoice_number, client_id=invoice.client_id,
                          client_name=invoice.client_name, date=day, credit_note_date=day, reason=data.reason,
                          status="issued", currency=invoice.currency, tax_amount=amounts["total_vat"],
                          notes=data.notes, created_at=now, updated_at=now, **amounts)
        after = _settled(deps, org_id, invoice, invoice.total_credited + note.total_ttc)
        from chalicelib.billing import posting_rules as rules  # lazy: loads the books, needed only to post
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        posting.post(rules.credit_note(note))
        commit(deps.store, [*plain(repo.insert(note)), (claim, None), event(deps, note, "credit_note.created"),
                            *_invoice_steps(deps, invoice, after, note), *posting.steps()])
        return to_out(note)

    return retrying(deps.store, attempt)


def cancel_credit_note(deps: Deps, org_id: str, credit_note_id: str) -> CreditNoteOut:
    """Cancel a credit note: it keeps its number, and its amount goes back to the invoice."""

    def attempt() -> CreditNoteOut:
        note = require_credit_note(deps, org_id, credit_note_id)
        if note.status == "cancelled":
            raise Conflict(f"credit note {note.credit_note_number} is already cancelled",
                           code="credit_note_already_cancelled")
        now = deps.clock.now()
        cancelled = note.model_copy(update={"status": "cancelled", "cancelled_at": now, "updated_at": now,
                                            "version": note.version + 1})
        steps: list[Step] = [(repo.replace(cancelled, note.version), None),
                             event(deps, cancelled, "credit_note.cancelled")]
        invoice = invoices_repo.get(deps.store, org_id, note.invoice_id)
        if invoice is not None:
            after = _settled(deps, org_id, invoice, max(invoice.total_credited - note.total_ttc, ZERO))
            steps += _invoice_steps(deps, invoice, after, cancelled)
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        posting.reverse("credit_note", note.id, event="credit_note.cancelled", day=invoices.org_today(deps, org_id))
        commit(deps.store, [*steps, *posting.steps()])
        return to_out(cancelled)

    return retrying(deps.store, attempt)


# --- listing ----------------------------------------------------------------------------------------------------


def _matches(note: CreditNote, query: CreditNoteListQuery) -> bool:
    return ((query.status is None or note.status == query.status)
            and (query.client_id is None or note.client_id == query.client_id)
            and (query.start_date is None or note.date >= query.start_date)
            and (query.end_date is None or note.date <= query.end_date))


def list_credit_notes(deps: Deps, org_id: str, query: CreditNoteListQuery) -> Listing:
    """Credit notes, newest first. By invoice (its links), or by date and client (key ranges), then by status."""
    if query.invoice_id:
        found = repo.of_invoice(deps.store, org_id, query.invoice_id) if is_uuid(query.invoice_id) else []
        newest_first = sorted(found, key=lambda n: (n.date, n.created_at, n.id), reverse=True)
        return page_of_matches([n for n in newest_first if _matches(n, query)], query, to_out)
    start = query.start_date.isoformat() if query.start_date else None
    end = query.end_date.isoformat() if query.end_date else None

    def fetch(limit: int, cursor: str | None) -> Page:
        return repo.query_by_date(deps.store, org_id, client_id=query.client_id, start=start, end=end, limit=limit,
                                  cursor=cursor)

    if not (query.status or start or end or query.client_id):
        page, number = fetch_page(fetch, query)
        return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=query.limit,
                       total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)
    matches = [i for i in _scan(fetch) if query.status is None or i["status"] == query.status]
    return page_of_matches(matches, query, lambda item: to_out(repo.from_item(item)))


def _scan(fetch: Callable[[int, str | None], Page]) -> list[Item]:
    return list(all_items(lambda cursor: fetch(_BATCH, cursor)))
