"""Posting rules: the draft entry each business document produces (accounts named by mapping keys).

- invoice leaving draft, journal VE: D client (the client's auxiliary account) TTC; per VAT rate, C revenue
  base and C output VAT.
- credit note, VE: per VAT rate, D revenue base and D output VAT; C client TTC.
- payment, BQ: D bank / cash / check / card (by method; the bank account's own account of the books when a bank
  transaction paid it), C client, once (marking an invoice paid records a payment,
  which is the only bank posting).
- expense, AC: D the expense account of its category HT, D input VAT, C bank / cash / ... TTC.
- cancellation, deletion, or a change of a posted expense, OD: the mirror of the live entry (``Posting.reverse``).

Drafts are never posted (an invoice posts when it leaves draft).
"""

from __future__ import annotations

import dataclasses

from chalicelib.billing.credit_notes.models import CreditNote
from chalicelib.billing.expenses.models import Expense
from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.payments.models import Payment
from chalicelib.core.money import ZERO, rate_text
from chalicelib.ledger.posting import Draft, DraftLine, with_lines

PAYMENT_KEYS = {"bank_transfer": "bank", "cash": "cash", "check": "check", "card": "card", "other": "bank"}


def client_aux(client_id: str) -> str:
    """The auxiliary (sub-ledger) account of a client: stable, short, unique within the organization."""
    return "C" + client_id.replace("-", "")[:12].upper()


def sale(invoice: Invoice) -> Draft:
    number = invoice.invoice_number or invoice.id
    label = f"Facture {number} {invoice.client_name or ''}".strip()
    lines = [DraftLine(label=label, debit=invoice.total_ttc, key="client", aux_account=client_aux(invoice.client_id),
                       aux_name=invoice.client_name or invoice.client_id)]
    for vat in invoice.vat_breakdown:
        lines.append(DraftLine(label=label, credit=vat.base, key="revenue", vat_rate=vat.rate))
        lines.append(DraftLine(label=f"TVA {rate_text(vat.rate)} {label}", credit=vat.vat, key="vat_output",
                               vat_rate=vat.rate, vat_kind="output", vat_base=vat.base))
    draft = Draft(journal="VE", entry_date=invoice.date, piece_ref=number, piece_date=invoice.date, label=label,
                  currency=invoice.currency, source_type="invoice", source_id=invoice.id, event="invoice.issued",
                  lines=())
    return with_lines(draft, _negatives_swapped(lines))


def credit_note(note: CreditNote) -> Draft:
    label = f"Avoir {note.credit_note_number} {note.client_name or ''}".strip()
    lines = [DraftLine(label=label, debit=vat.base, key="revenue", vat_rate=vat.rate) for vat in note.vat_breakdown]
    lines += [DraftLine(label=f"TVA {rate_text(vat.rate)} {label}", debit=vat.vat, key="vat_output", vat_rate=vat.rate,
                        vat_kind="output", vat_base=-vat.base) for vat in note.vat_breakdown]
    lines.append(DraftLine(label=label, credit=note.total_ttc, key="client", aux_account=client_aux(note.client_id),
                           aux_name=note.client_name or note.client_id))
    draft = Draft(journal="VE", entry_date=note.date, piece_ref=note.credit_note_number, piece_date=note.date,
                  label=label, currency=note.currency, source_type="credit_note", source_id=note.id,
                  event="credit_note.issued", lines=())
    return with_lines(draft, _negatives_swapped(lines))


def payment(paid: Payment) -> Draft:
    invoices = ", ".join(a.invoice_number or a.invoice_id for a in paid.allocations)
    label = f"Règlement {paid.client_name or ''} {invoices}".strip()
    lines = [DraftLine(label=label, debit=paid.amount, key=PAYMENT_KEYS.get(paid.payment_method, "bank"),
                       account=paid.ledger_account),
             DraftLine(label=label, credit=paid.amount, key="client", aux_account=client_aux(paid.client_id),
                       aux_name=paid.client_name or paid.client_id)]
    draft = Draft(journal="BQ", entry_date=paid.payment_date, piece_ref=paid.receipt_number,
                  piece_date=paid.payment_date, label=label, currency=paid.currency, source_type="payment",
                  source_id=paid.id, event="payment.created", lines=())
    return with_lines(draft, lines)


def purchase(expense: Expense) -> Draft:
    label = " ".join(part for part in (expense.supplier, expense.description) if part)[:150] or expense.category
    piece = expense.reference or f"EXP-{expense.id[:8].upper()}"
    lines = [DraftLine(label=label, debit=expense.amount_ht, key=f"expense.{expense.category}",
                       vat_rate=expense.tax_rate),
             DraftLine(label=f"TVA {rate_text(expense.tax_rate)} {label}", debit=expense.tax_amount, key="vat_input",
                       vat_rate=expense.tax_rate, vat_kind="input", vat_base=expense.amount_ht),
             DraftLine(label=label, credit=expense.amount, key=PAYMENT_KEYS.get(expense.payment_method or "", "bank"))]
    draft = Draft(journal="AC", entry_date=expense.expense_date, piece_ref=piece, piece_date=expense.expense_date,
                  label=label, currency=expense.currency, source_type="expense", source_id=expense.id,
                  event="expense.created", lines=())
    return with_lines(draft, lines)


def in_books(draft: Draft) -> tuple[object, ...]:
    """What a draft changes in the books: its date, piece and amounts per account (labels aside)."""
    return (draft.entry_date, draft.piece_ref, draft.currency,
            tuple(dataclasses.replace(line, label="") for line in draft.lines))


def _negatives_swapped(lines: list[DraftLine]) -> list[DraftLine]:
    """A negative figure (a rate whose base is negative after discounts) goes on the other side."""
    out = []
    for line in lines:
        if line.debit < ZERO or line.credit < ZERO:
            line = DraftLine(label=line.label, debit=-line.credit if line.credit < ZERO else ZERO,
                             credit=-line.debit if line.debit < ZERO else ZERO, key=line.key, account=line.account,
                             aux_account=line.aux_account, aux_name=line.aux_name, vat_rate=line.vat_rate,
                             vat_kind=line.vat_kind, vat_base=line.vat_base)
        out.append(line)
    return out
