"""How an invoice moves: issuance (with its gapless number), settlement by payments and credit notes, and the
explicit status transitions.

Transitions:  draft → sent | paid | cancelled (paying a draft issues it first);  sent → paid | overdue |
cancelled;  overdue → sent | paid | cancelled.
``paid`` and ``cancelled`` are final except that deleting a payment reopens a paid invoice (sent or overdue).
Amounts of an issued invoice are frozen: corrections go through credit notes.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from chalicelib.billing.invoices.models import Invoice, InvoiceStatus, PaymentStatus
from chalicelib.billing.numbering import INVOICES
from chalicelib.core.errors import Conflict
from chalicelib.core.money import ZERO, quantize
from chalicelib.store.port import Store
from chalicelib.store.unit import Step

if TYPE_CHECKING:
    from chalicelib.ledger.posting import Posting

TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent", "paid", "cancelled"}),
    "sent": frozenset({"paid", "overdue", "cancelled"}),
    "overdue": frozenset({"sent", "paid", "cancelled"}),
    "paid": frozenset(),
    "cancelled": frozenset(),
}
OPEN = frozenset({"sent", "overdue"})


def check_transition(invoice: Invoice, target: str) -> None:
    if target == invoice.status:
        return
    if target not in TRANSITIONS[invoice.status]:
        allowed = sorted(TRANSITIONS[invoice.status]) or ["none"]
        raise Conflict(f"an invoice in status {invoice.status} cannot become {target}; allowed: {', '.join(allowed)}",
                       code="invalid_status_transition",
                       details={"status": [f"{invoice.status} → {target} is not allowed"], "allowed": allowed})



def issue(store: Store, invoice: Invoice, now: datetime, posting: Posting) -> tuple[Invoice, list[Step]]:
    """The invoice as issued (``sent``), with its definitive number: the year's next one when it has none.

    The number is claimed in the same transaction as the issuance (gapless: a failed issuance claims nothing), and
    the sale is posted to ``posting`` (its writes join the caller's transaction through ``posting.steps()``).
    """
    steps: list[Step] = []
    issued = invoice.model_copy(update={"status": "sent", "sent_at": now})
    if not invoice.invoice_number:
        number, claim = INVOICES.next(store, invoice.org_id, invoice.date.year)
        issued.invoice_number = number
        steps = [(claim, None), (INVOICES.reserve(invoice.org_id, number, invoice.id), None)]
    from chalicelib.billing import posting_rules as rules  # lazy: loads the books, needed only to post
    posting.post(rules.sale(issued))
    return issued, steps


def payment_status(owed: Decimal, paid: Decimal) -> PaymentStatus:
    if paid <= ZERO:
        return "unpaid" if owed > ZERO else "paid"
    return "paid" if paid >= owed else "partial"


def settle(invoice: Invoice, *, amount_paid: Decimal, total_credited: Decimal, now: datetime, today: date) -> Invoice:
    """The invoice after its paid and credited amounts changed: balance, payment status, and paid/reopened status."""
    currency = invoice.currency
    amount_paid, total_credited = quantize(amount_paid, currency), quantize(total_credited, currency)
    owed = invoice.total_ttc - total_credited
    status_of_payment = payment_status(owed, amount_paid)
    status: InvoiceStatus = invoice.status
    paid_at = invoice.paid_at
    if status in {"draft", "cancelled"}:  # a draft owes nothing yet (issuing settles it); a cancelled one never will
        return invoice.model_copy(update={"amount_paid": amount_paid, "total_credited": total_credited,
                                          "balance_due": max(owed - amount_paid, ZERO) if status == "draft" else ZERO,
                                          "payment_status": "unpaid", "updated_at": now})
    if status_of_payment == "paid" and status in {"sent", "overdue"}:
        status, paid_at = "paid", now
    elif status_of_payment != "paid" and status == "paid":
        status, paid_at = ("overdue" if invoice.due_date < today else "sent"), None
    return invoice.model_copy(update={
        "amount_paid": amount_paid, "total_credited": total_credited, "balance_due": max(owed - amount_paid, ZERO),
        "payment_status": status_of_payment, "status": status, "paid_at": paid_at, "updated_at": now,
    })
