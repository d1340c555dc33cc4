"""Changing an invoice: edit (drafts freely; issued invoices only notes, reference and due date), move its status,
delete a draft. Marking an invoice paid by hand records a payment of its balance, so the books and the
receivables stay consistent with its status.
"""

from __future__ import annotations

from typing import Any

from chalicelib.auth.calendar import org_today
from chalicelib.auth.repository import organization_ids
from chalicelib.billing.invoices import repository as repo
from chalicelib.billing.invoices.lifecycle import check_transition, issue, settle
from chalicelib.billing.invoices.models import Invoice, InvoiceCreate, InvoiceOut, InvoicePatch
from chalicelib.billing.invoices.service import (
    EDITABLE_WHEN_ISSUED,
    _amounts,
    _client,
    _number_taken,
    client_still_there,
    event,
    require_invoice,
    scan_by_date,
    to_out,
)
from chalicelib.billing.numbering import INVOICES
from chalicelib.billing.payments.service import settle_balance
from chalicelib.billing.products.service import check_line_products
from chalicelib.core.errors import Conflict, field_error
from chalicelib.core.money import ZERO
from chalicelib.store.deps import Deps
from chalicelib.store.unit import Step, commit, plain, retrying

AMOUNT_FIELDS = frozenset({"items", "total_ht", "tax_rate", "total_vat", "total_ttc", "currency"})


def update_invoice(deps: Deps, org_id: str, invoice_id: str, data: InvoiceCreate | InvoicePatch) -> InvoiceOut:
    """PUT (``InvoiceCreate``, drafts only) or PATCH (``InvoicePatch``); a ``status`` in the body moves it too."""
    if isinstance(data, InvoicePatch):
        sent, target = data.model_fields_set - {"status"}, data.status
    else:  # PUT replaces every field; dates left out keep their current value
        sent = set(InvoiceCreate.model_fields) - {"status"} - {n for n in ("date", "due_date") if not getattr(data, n)}
        target = "sent" if data.status == "sent" else None
    if target is not None and sent:  # refuse the whole request before changing anything
        check_transition(require_invoice(deps, org_id, invoice_id), target)
    if sent:
        retrying(deps.store, lambda: _edit(deps, org_id, invoice_id, data, sent))
    if target is not None:
        return change_status(deps, org_id, invoice_id, target)
    return to_out(require_invoice(deps, org_id, invoice_id))


def _edit(deps: Deps, org_id: str, invoice_id: str, data: InvoiceCreate | InvoicePatch, sent: set[str]) -> None:
    current = require_invoice(deps, org_id, invoice_id)
    if current.status != "draft":
        locked = sorted(sent - EDITABLE_WHEN_ISSUED - {"status"})
        if locked or isinstance(data, InvoiceCreate):
            raise Conflict("an issued invoice's amounts, client, date and number are frozen; correct it with a "
                           "credit note (notes, reference and due_date may still change)", code="invoice_locked",
                           details={name: ["frozen once issued"] for name in locked or ["body"]})
    changes: dict[str, Any] = {name: getattr(data, name) for name in sent if name not in {"status"}}
    for name in ("date", "due_date", "client_id", "currency"):
        if name in changes and changes[name] is None:
            if isinstance(data, InvoiceCreate):  # PUT: left out means "keep"
                del changes[name]
                continue
            raise field_error(name, "cannot be cleared")
    steps: list[Step] = []
    if "client_id" in changes and changes["client_id"] != current.client_id:
        client = _client(deps, org_id, changes["client_id"])
        changes["client_name"] = client.company_name
        steps += [*plain(repo.move_client_refs(org_id, current.client_id, client.id)), client_still_there(client)]
    if AMOUNT_FIELDS & sent:
        check_line_products(deps, org_id, data.items if "items" in sent else None)
        merged = InvoicePatch.model_validate({**_stated(current), **{k: v for k, v in changes.items()
                                                                     if k in AMOUNT_FIELDS}})
        changes.update(_amounts(merged, merged.currency or current.currency))
    if "date" in changes:
        changes["invoice_date"] = changes["date"]
    updated = Invoice.model_validate({**current.model_dump(), **changes, "version": current.version + 1,
                                      "updated_at": deps.clock.now()})
    if updated.due_date < updated.date:
        raise field_error("due_date", "must not be before the invoice date")
    updated = settle(updated, amount_paid=updated.amount_paid, total_credited=updated.total_credited,
                     now=deps.clock.now(), today=org_today(deps, org_id))
    steps += _renumber(current, updated)
    commit(deps.store, [(repo.replace(updated, current.version), None), *steps, event(deps, updated, "invoice.updated",
                                                                                      changed=sorted(changes))])


def _stated(invoice: Invoice) -> dict[str, Any]:
    """The current amounts in the form a request states them, so a partial change recomputes the rest."""
    if invoice.items:
        return {"items": [line.model_dump(exclude={"line_total"}) for line in invoice.items],
                "currency": invoice.currency, "tax_rate": invoice.tax_rate}
    return {"total_ht": invoice.total_ht, "tax_rate": invoice.tax_rate, "currency": invoice.currency}


def _renumber(current: Invoice, updated: Invoice) -> list[Step]:
    if (updated.invoice_number or "").upper() == (current.invoice_number or "").upper():
        return []  # same number (its marker is case-insensitive)
    steps: list[Step] = []
    if current.invoice_number:
        steps.append((INVOICES.release(current.org_id, current.invoice_number), None))
    if updated.invoice_number:
        steps.append((INVOICES.reserve(updated.org_id, updated.invoice_number, updated.id),
                      _number_taken(updated.invoice_number)))
    return steps


def change_status(deps: Deps, org_id: str, invoice_id: str, target: str) -> InvoiceOut:
    if target == "paid":
        return _mark_paid(deps, org_id, invoice_id)

    def attempt() -> InvoiceOut:
        current = require_invoice(deps, org_id, invoice_id)
        check_transition(current, target)
        if target == current.status:
            return to_out(current)
        now = deps.clock.now()
        updated, steps = current, list[Step]()
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        if target == "sent" and current.status == "draft":
            updated, steps = issue(deps.store, current, now, posting)
        elif target == "cancelled":
            if current.amount_paid > ZERO:
                raise Conflict("an invoice with payments cannot be cancelled; delete the payments or issue a credit "
                               "note", code="invoice_has_payments")
            if current.total_credited > ZERO:
                raise Conflict("an invoice with credit notes cannot be cancelled; cancel its credit notes first",
                               code="invoice_has_credit_notes")
            updated = current.model_copy(update={"status": "cancelled", "cancelled_at": now, "balance_due": ZERO})
            posting.reverse("invoice", current.id, event="invoice.cancelled", day=org_today(deps, org_id))
        else:
            updated = current.model_copy(update={"status": target})
        updated = updated.model_copy(update={"version": current.version + 1, "updated_at": now})
        commit(deps.store, [(repo.replace(updated, current.version), None), *steps,
                            event(deps, updated, f"invoice.{target}", previous_status=current.status),
                            *posting.steps()])
        return to_out(updated)

    return retrying(deps.store, attempt)


def _mark_paid(deps: Deps, org_id: str, invoice_id: str) -> InvoiceOut:
    current = require_invoice(deps, org_id, invoice_id)
    check_transition(current, "paid")
    if current.status == "paid":
        return to_out(current)
    settle_balance(deps, org_id, current)
    return to_out(require_invoice(deps, org_id, invoice_id))


def delete_invoice(deps: Deps, org_id: str, invoice_id: str) -> None:
    def attempt() -> None:
        current = require_invoice(deps, org_id, invoice_id)
        if current.status != "draft":
            raise Conflict("only drafts can be deleted; cancel an issued invoice or issue a credit note",
                           code="invoice_not_draft")
        commit(deps.store, [*plain(repo.remove(current)), event(deps, current, "invoice.deleted")])

    retrying(deps.store, attempt)


def mark_overdue(deps: Deps, org_id: str) -> int:
    """The daily job: open invoices past their due date (in the organization's time zone) become overdue."""
    today = org_today(deps, org_id)
    count = 0
    for item in scan_by_date(deps, org_id, None, None, today.isoformat()):
        invoice = repo.from_item(item)
        if invoice.status == "sent" and invoice.balance_due > ZERO and invoice.due_date < today:
            try:
                change_status(deps, org_id, invoice.id, "overdue")
            except Conflict:
                continue  # paid or cancelled since the scan: nothing to do, the others still run
            count += 1
    return count



def mark_overdue_everywhere(deps: Deps) -> dict[str, int]:
    """Run the overdue rule for every organization; returns how many invoices each one had newly overdue."""
    return {org_id: count for org_id in organization_ids(deps.store) if (count := mark_overdue(deps, org_id))}
