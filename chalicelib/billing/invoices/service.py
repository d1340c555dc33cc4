"""Invoice use cases: create, read, list, update (drafts freely; issued ones only notes, reference, due date),
change status, delete drafts.

Every write is one transaction: the invoice, its number marker and numbering counter, the ``meta.total`` counter,
the client's reference counter (a client with invoices cannot be deleted) and the outbox events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from chalicelib.auth.calendar import org_today
from chalicelib.billing.clients.models import Client
from chalicelib.billing.clients.service import require_client, still_exists
from chalicelib.billing.clients.service import to_out as client_out
from chalicelib.billing.invoices import repository as repo
from chalicelib.billing.invoices import totals as calc
from chalicelib.billing.invoices.lifecycle import issue, settle
from chalicelib.billing.invoices.models import (
    Invoice,
    InvoiceCreate,
    InvoiceDetail,
    InvoiceListQuery,
    InvoiceOut,
    InvoicePatch,
    Line,
    LineIn,
    PaymentBrief,
    VatBreakdown,
)
from chalicelib.billing.numbering import INVOICES
from chalicelib.billing.payments import repository as payments
from chalicelib.billing.products.service import check_line_products
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.core.money import ZERO, D, check_minor_units
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Page
from chalicelib.store.unit import Step, commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

DEFAULT_RATE = D("20")
DEFAULT_TERMS_DAYS = 30
EDITABLE_WHEN_ISSUED = frozenset({"notes", "reference", "due_date"})
_BATCH = 1000



def event(deps: Deps, invoice: Invoice, type_: str, **extra: Any) -> Step:
    payload = {"invoice_id": invoice.id, "invoice_number": invoice.invoice_number, "client_id": invoice.client_id,
               "status": invoice.status, "total_ht": str(invoice.total_ht), "total_ttc": str(invoice.total_ttc),
               "currency": invoice.currency, "lines_count": len(invoice.items), **extra}
    return (record_event(Event(id=deps.new_id(), org_id=invoice.org_id, type=type_, entity="invoice",
                               entity_id=invoice.id, payload=payload, occurred_at=deps.clock.now())), None)


def to_out(invoice: Invoice) -> InvoiceOut:
    return InvoiceOut.model_construct(**{name: getattr(invoice, name) for name in InvoiceOut.model_fields})


def invoice_exists(deps: Deps, org_id: str, invoice_id: str) -> bool:
    return is_uuid(invoice_id) and repo.get(deps.store, org_id, invoice_id) is not None


def require_invoice(deps: Deps, org_id: str, invoice_id: str) -> Invoice:
    invoice = repo.get(deps.store, org_id, invoice_id) if is_uuid(invoice_id) else None
    if invoice is None:
        raise NotFound(f"invoice {invoice_id} not found", code="invoice_not_found")
    return invoice


def client_still_there(client: Client) -> Step:
    """The client must still exist when the document commits (it may be deleted meanwhile)."""
    return (still_exists(client), field_error("client_id", "no client with this id in your organization"))


def _client(deps: Deps, org_id: str, client_id: str) -> Client:
    try:
        return require_client(deps, org_id, client_id)
    except NotFound as exc:
        raise field_error("client_id", "no client with this id in your organization") from exc


def _lines(items: list[LineIn], default_rate: Any) -> list[Line]:
    return [Line(description=i.description, quantity=i.quantity, unit_price=i.unit_price,
                 tax_rate=i.tax_rate if i.tax_rate is not None else default_rate, discount=i.discount, unit=i.unit,
                 product_id=i.product_id, line_total=ZERO) for i in items]


def _amounts(data: InvoiceCreate | InvoicePatch, currency: str) -> dict[str, Any]:
    """Lines, totals and VAT breakdown from ``items`` or from the stated totals (checked either way)."""
    rate = data.tax_rate if data.tax_rate is not None else DEFAULT_RATE
    if data.items:
        lines = _lines(data.items, rate)
        totals = calc.from_lines(lines, currency)
        for name in ("total_ht", "total_ttc", "total_vat"):
            stated = getattr(data, name)
            if stated is not None and abs(stated - getattr(totals, name)) > calc.TOLERANCE:
                raise ValidationFailed(f"{name} {stated} differs from the lines' {getattr(totals, name)}",
                                       code="inconsistent_totals", details={name: ["differs from the lines"]})
        lines = [line.model_copy(update={"line_total": t}) for line, t in zip(lines, totals.line_totals, strict=True)]
    else:
        if data.total_ht is None:
            raise field_error("total_ht", "give items, or total_ht with tax_rate and total_ttc")
        for name in ("total_ht", "total_ttc", "total_vat"):
            if getattr(data, name) is not None:
                check_minor_units(getattr(data, name), currency, name)
        lines, totals = [], calc.from_stated(data.total_ht, rate, data.total_ttc, data.total_vat, currency)
    if totals.total_ttc < ZERO:
        raise field_error("total_ttc", "must not be negative: corrections of an issued invoice go through credit notes")
    return {"items": lines, "total_ht": totals.total_ht, "total_vat": totals.total_vat,
            "total_ttc": totals.total_ttc, "tax_rate": totals.tax_rate,
            "vat_breakdown": [VatBreakdown(rate=v.rate, base=v.base, vat=v.vat) for v in totals.breakdown]}


def _number_taken(number: str) -> Conflict:
    return Conflict(f"invoice number {number} is already used in your organization", code="invoice_number_exists",
                    details={"invoice_number": ["already used"]})


def create_invoice(deps: Deps, org_id: str, data: InvoiceCreate, *, quote_id: str | None = None) -> InvoiceOut:
    client = _client(deps, org_id, data.client_id)
    check_line_products(deps, org_id, data.items)
    today = org_today(deps, org_id)
    invoice_date = data.date or today
    due = data.due_date or invoice_date + timedelta(days=client.payment_terms or DEFAULT_TERMS_DAYS)
    if due < invoice_date:
        raise field_error("due_date", "must not be before the invoice date")
    currency = data.currency or client.preferred_currency
    now = deps.clock.now()
    draft = Invoice(id=deps.new_id(), org_id=org_id, invoice_number=data.invoice_number, client_id=client.id,
                    client_name=client.company_name, date=invoice_date, invoice_date=invoice_date, due_date=due,
                    status="draft", payment_status="unpaid", currency=currency, amount_paid=ZERO, balance_due=ZERO,
                    notes=data.notes, reference=data.reference, quote_id=quote_id, created_at=now, updated_at=now,
                    **_amounts(data, currency))
    draft = settle(draft, amount_paid=ZERO, total_credited=ZERO, now=now, today=today)

    def attempt() -> InvoiceOut:
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        invoice, steps = (issue(deps.store, draft, now, posting) if data.status == "sent" else (draft, []))
        if data.invoice_number:
            reserve = INVOICES.reserve(org_id, data.invoice_number, invoice.id)
            steps.append((reserve, _number_taken(data.invoice_number)))
        commit(deps.store, [*plain(repo.insert(invoice)), client_still_there(client), *steps,
                            event(deps, invoice, "invoice.created"),
                            *([event(deps, invoice, "invoice.sent")] if invoice.status != "draft" else []),
                            *posting.steps()])
        return to_out(invoice)

    return retrying(deps.store, attempt)


def get_invoice(deps: Deps, org_id: str, invoice_id: str) -> Invoice:
    return require_invoice(deps, org_id, invoice_id)


def _matches(item: Item, query: InvoiceListQuery, needle: str) -> bool:
    return ((query.status is None or item["status"] == query.status)
            and (query.payment_status is None or item["payment_status"] == query.payment_status)
            and (not needle or needle in item.get("search_text", "")))


def list_invoices(deps: Deps, org_id: str, query: InvoiceListQuery) -> Listing:
    """Invoices newest first. Date and client filters are key ranges; status and search filter that range."""
    start = query.start_date.isoformat() if query.start_date else None
    end = query.end_date.isoformat() if query.end_date else None
    needle = fold(query.search)
    filtered = bool(query.status or query.payment_status or needle)
    if not filtered and not (start or end or query.client_id):
        page, number = fetch_page(lambda limit, cursor: repo.query_by_date(
            deps.store, org_id, client_id=None, start=None, end=None, limit=limit, cursor=cursor), query)
        return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=query.limit,
                       total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)
    matches = [i for i in scan_by_date(deps, org_id, query.client_id, start, end) if _matches(i, query, needle)]
    return page_of_matches(matches, query, lambda item: to_out(repo.from_item(item)))


def scan_by_date(deps: Deps, org_id: str, client_id: str | None, start: str | None, end: str | None,
                 forward: bool = False) -> list[Item]:
    """Every invoice item in a date range (of one client or all), read in large pages of one partition."""
    def fetch(cursor: str | None) -> Page:
        return repo.query_by_date(deps.store, org_id, client_id=client_id, start=start, end=end, limit=_BATCH,
                                  cursor=cursor, forward=forward)

    return list(all_items(fetch))


def invoice_detail(deps: Deps, org_id: str, invoice_id: str) -> InvoiceDetail:
    """The invoice with its client (as it is now) and its payments."""
    invoice = require_invoice(deps, org_id, invoice_id)
    client = require_client_or_none(deps, org_id, invoice.client_id)
    paid = [PaymentBrief(id=p.id, amount=next(a.amount for a in p.allocations if a.invoice_id == invoice.id),
                         payment_date=p.payment_date, payment_method=p.payment_method,
                         receipt_number=p.receipt_number, reference=p.reference)
            for p in payments.of_invoice(deps.store, org_id, invoice.id)]
    return InvoiceDetail(**to_out(invoice).model_dump(), client=client_out(client).model_dump() if client else None,
                         payments=paid)


def require_client_or_none(deps: Deps, org_id: str, client_id: str) -> Client | None:
    try:
        return require_client(deps, org_id, client_id)
    except NotFound:
        return None
