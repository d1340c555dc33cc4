"""Payment use cases: record a payment on one invoice or allocated over several of one client, list, read,
delete (which reopens the invoices it paid).

Recording is one transaction holding the payment, its allocations, every invoice it pays (each with its expected
version, so concurrent payments serialize and can never exceed an invoice's balance), the counters and the
events. A payment on a draft issues it first (same transaction); cancelled invoices take no payment.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.auth.calendar import org_today
from chalicelib.billing.invoices import repository as invoices_repo
from chalicelib.billing.invoices.lifecycle import issue, settle
from chalicelib.billing.invoices.models import Invoice, PaymentStatus
from chalicelib.billing.invoices.service import event as invoice_event
from chalicelib.billing.invoices.service import require_invoice
from chalicelib.billing.numbering import RECEIPTS
from chalicelib.billing.payments import repository as repo
from chalicelib.billing.payments.models import Allocation, Payment, PaymentCreate, PaymentListQuery, PaymentOut
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed
from chalicelib.core.ids import is_uuid
from chalicelib.core.money import ZERO, check_minor_units, quantize
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, count_all, fetch_page, page_of_matches, without_total
from chalicelib.store.port import Page
from chalicelib.store.unit import Step, commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event


@dataclass(frozen=True)
class Recorded:
    """A recorded payment and the payment status it left on its (first) invoice."""

    payment: PaymentOut
    invoice_payment_status: PaymentStatus


def _event(deps: Deps, payment: Payment, type_: str) -> Step:
    payload = {"payment_id": payment.id, "client_id": payment.client_id, "amount": str(payment.amount),
               "receipt_number": payment.receipt_number,
               "invoices": [{"invoice_id": a.invoice_id, "amount": str(a.amount)} for a in payment.allocations]}
    return (record_event(Event(id=deps.new_id(), org_id=payment.org_id, type=type_, entity="payment",
                               entity_id=payment.id, payload=payload, occurred_at=deps.clock.now())), None)


def to_out(payment: Payment) -> PaymentOut:
    return PaymentOut.model_construct(**{name: getattr(payment, name) for name in PaymentOut.model_fields})


def _invoices(deps: Deps, org_id: str, data: PaymentCreate) -> list[tuple[Invoice, Decimal]]:
    wanted = ([(a.invoice_id, a.amount) for a in data.allocations] if data.allocations
              else [(str(data.invoice_id), data.amount or ZERO)])
    found = []
    for invoice_id, amount in wanted:
        try:
            found.append((require_invoice(deps, org_id, invoice_id), amount))
        except NotFound as exc:
            raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found",
                           details={"invoice_id": [invoice_id]}) from exc
    if len({invoice.client_id for invoice, _ in found}) > 1:
        raise ValidationFailed("allocations must all be invoices of one client", code="mixed_clients",
                               details={"allocations": ["invoices of several clients"]})
    if len({invoice.currency for invoice, _ in found}) > 1:
        raise ValidationFailed("allocations must all be invoices in one currency", code="mixed_currencies",
                               details={"allocations": ["invoices in several currencies"]})
    if sum(1 for invoice, _ in found if invoice.status == "draft") > 1:
        raise ValidationFailed("one payment can issue at most one draft; issue the others first",
                               code="several_drafts", details={"allocations": ["several draft invoices"]})
    for invoice, amount in found:
        check_minor_units(amount, invoice.currency, "amount")
    return [(invoice, quantize(amount, invoice.currency)) for invoice, amount in found]


def _applied(invoice: Invoice, amount: Decimal, overpayment: bool) -> Decimal:
    """How much of ``amount`` goes to ``invoice``; refuses what its balance cannot take."""
    if invoice.status == "cancelled":
        raise Conflict(f"invoice {invoice.invoice_number or invoice.id} is cancelled", code="invoice_cancelled")
    balance = invoice.total_ttc - invoice.total_credited - invoice.amount_paid
    if amount > balance and not overpayment:
        raise ValidationFailed(f"amount {amount} exceeds the balance due {balance} of invoice "
                               f"{invoice.invoice_number or invoice.id}; send overpayment=true to accept it",
                               code="amount_exceeds_balance",
                               details={"amount": [f"at most {balance}"], "balance_due": str(balance)})
    return min(amount, max(balance, ZERO))


def create_payment(deps: Deps, org_id: str, data: PaymentCreate, *, ledger_account: str | None = None,
                   also: Callable[[Payment], list[Step]] | None = None) -> Recorded:
    """Record ``data``. ``ledger_account`` names the account of the books the money went to (a bank account's;
    default: the method's mapping); ``also`` adds the caller's writes to the same transaction (a bank transaction
    matched to the payment), built on each attempt from fresh reads."""
    day = data.payment_date or org_today(deps, org_id)

    def attempt() -> Recorded:
        now, today = deps.clock.now(), org_today(deps, org_id)
        steps: list[Step] = []
        allocations: list[Allocation] = []
        statuses: list[PaymentStatus] = []
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        targets = _invoices(deps, org_id, data)
        for invoice, amount in targets:
            applied = _applied(invoice, amount, data.overpayment)
            updated = invoice
            if invoice.status == "draft":
                updated, issued = issue(deps.store, invoice, now, posting)
                steps += [*issued, invoice_event(deps, updated, "invoice.sent")]
            updated = settle(updated, amount_paid=invoice.amount_paid + applied,
                             total_credited=invoice.total_credited, now=now, today=today)
            updated = updated.model_copy(update={"version": invoice.version + 1})
            steps.append((invoices_repo.replace(updated, invoice.version), None))
            if updated.status == "paid" and invoice.status != "paid":
                steps.append(invoice_event(deps, updated, "invoice.paid"))
            allocations.append(Allocation(invoice_id=invoice.id, invoice_number=updated.invoice_number,
                                          amount=applied))
            statuses.append(updated.payment_status)
        receipt, claim = RECEIPTS.next(deps.store, org_id, day.year)  # claimed in this transaction: no gaps
        head = targets[0][0]
        amount = sum((amount for _, amount in targets), ZERO)
        payment = Payment(id=deps.new_id(), org_id=org_id, invoice_id=None if data.allocations else head.id,
                          client_id=head.client_id, client_name=head.client_name, amount=amount,
                          unallocated_amount=amount - sum((a.amount for a in allocations), ZERO),
                          currency=head.currency, payment_method=data.payment_method, payment_date=day,
                          receipt_number=receipt, reference=data.reference, notes=data.notes,
                          allocations=allocations, created_at=now, ledger_account=ledger_account)
        from chalicelib.billing import posting_rules as rules  # lazy: loads the books, needed only to post
        posting.post(rules.payment(payment))
        commit(deps.store, [*plain(repo.insert(payment)), (claim, None), *steps,
                            _event(deps, payment, "payment.created"), *posting.steps(),
                            *(also(payment) if also else [])])
        return Recorded(payment=to_out(payment), invoice_payment_status=statuses[0])

    return retrying(deps.store, attempt)


def settle_balance(deps: Deps, org_id: str, invoice: Invoice) -> Recorded:
    """Mark an invoice paid by hand: a payment (method ``other``) of whatever it still owes."""
    balance = invoice.total_ttc - invoice.total_credited - invoice.amount_paid
    data = PaymentCreate(invoice_id=invoice.id, amount=balance, payment_method="other",
                         notes="recorded when the invoice was marked paid")
    return create_payment(deps, org_id, data)


def require_payment(deps: Deps, org_id: str, payment_id: str) -> Payment:
    payment = repo.get(deps.store, org_id, payment_id) if is_uuid(payment_id) else None
    if payment is None:
        raise NotFound(f"payment {payment_id} not found", code="payment_not_found")
    return payment


def get_payment(deps: Deps, org_id: str, payment_id: str) -> PaymentOut:
    return to_out(require_payment(deps, org_id, payment_id))


def delete_payment(deps: Deps, org_id: str, payment_id: str,
                   also: Callable[[Payment], list[Step]] | None = None) -> None:
    """Remove a payment and give back to each invoice what it had paid (a paid invoice reopens); ``also`` adds the
    caller's writes to the same transaction."""

    def attempt() -> None:
        payment = require_payment(deps, org_id, payment_id)
        now, today = deps.clock.now(), org_today(deps, org_id)
        steps: list[Step] = []
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        posting.reverse("payment", payment.id, event="payment.deleted", day=today)
        for allocation in payment.allocations:
            invoice = invoices_repo.get(deps.store, org_id, allocation.invoice_id)
            if invoice is None:
                continue
            updated = settle(invoice, amount_paid=invoice.amount_paid - allocation.amount,
                             total_credited=invoice.total_credited, now=now, today=today)
            steps.append((invoices_repo.replace(updated.model_copy(update={"version": invoice.version + 1}),
                                                invoice.version), None))
        commit(deps.store, [*plain(repo.remove(payment)), *steps, _event(deps, payment, "payment.deleted"),
                            *posting.steps(), *(also(payment) if also else [])])

    retrying(deps.store, attempt)


def payments_of_invoice(deps: Deps, org_id: str, invoice_id: str) -> list[PaymentOut]:
    return [to_out(p) for p in repo.of_invoice(deps.store, org_id, invoice_id)]


def list_payments(deps: Deps, org_id: str, query: PaymentListQuery) -> Listing:
    """Payments, newest payment date first; by invoice (its allocations), by client and date range (key ranges)."""
    if query.invoice_id:
        if not is_uuid(query.invoice_id):
            return Listing(items=[], page=query.page, limit=query.limit, total=0, next_cursor=None)
        found = sorted(repo.of_invoice(deps.store, org_id, query.invoice_id), key=lambda p: p.payment_date,
                       reverse=True)
        return page_of_matches(found, query, to_out)
    start = query.start_date.isoformat() if query.start_date else None
    end = query.end_date.isoformat() if query.end_date else None

    def fetch(limit: int, cursor: str | None) -> Page:
        return repo.query_by_date(deps.store, org_id, client_id=query.client_id, start=start, end=end,
                                  limit=limit, cursor=cursor)

    page, number = fetch_page(fetch, without_total(query))
    if not (query.client_id or start or end):  # the whole list: its counter says how many
        total = repo.count(deps.store, org_id)
    else:
        counted = repo.count_between(deps.store, org_id, client_id=query.client_id, start=query.start_date,
                                     end=query.end_date)
        total = count_all(fetch) if counted is None else counted
    return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=query.limit,
                   total=total, next_cursor=page.next_cursor)
