"""Quote use cases: create (numbered at once), read, list, update, move through the transitions, delete drafts,
and convert into an invoice.

Transitions:  draft → sent;  sent → accepted | rejected | expired;  accepted, rejected and expired are final.
Amounts, client, currency, date and number change on drafts only; ``notes``, ``reference`` and ``valid_until``
while the quote is a draft or sent. Every write is one transaction: the quote, its number marker and numbering
counter, the ``meta.total`` counter, the client's reference counter (a client with quotes cannot be deleted) and
the outbox events. Amounts are computed by the invoices' rules (``invoices/totals.py``), so a quote and the invoice
made from it always have the same totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.billing.clients.models import Client
from chalicelib.billing.clients.service import require_client
from chalicelib.billing.invoices import changes as invoice_changes
from chalicelib.billing.invoices import service as invoices
from chalicelib.billing.invoices.models import InvoiceCreate, InvoiceOut, InvoicePatch
from chalicelib.billing.numbering import QUOTES
from chalicelib.billing.products.service import check_line_products
from chalicelib.billing.quotes import repository as repo
from chalicelib.billing.quotes.models import (
    Quote,
    QuoteConvert,
    QuoteCreate,
    QuoteListQuery,
    QuoteOut,
    QuotePatch,
)
from chalicelib.core.errors import Conflict, DomainError, NotFound, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Page
from chalicelib.store.unit import Step, commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

DEFAULT_VALIDITY_DAYS = 30
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"sent"}),
    "sent": frozenset({"accepted", "rejected", "expired"}),
    "accepted": frozenset(),
    "rejected": frozenset(),
    "expired": frozenset(),
}
STAMPS = {"sent": "sent_at", "accepted": "accepted_at", "rejected": "rejected_at", "expired": "expired_at"}
EDITABLE = frozenset({"draft", "sent"})
EDITABLE_WHEN_SENT = frozenset({"notes", "reference", "valid_until"})
AMOUNT_FIELDS = frozenset({"items", "total_ht", "tax_rate", "total_vat", "total_ttc", "currency"})
NOT_CLEARABLE = ("quote_number", "client_id", "date", "valid_until", "currency")
CONVERTIBLE = frozenset({"sent", "accepted"})
_NO_CLIENT = "no client with this id in your organization"
_BATCH = 1000


@dataclass(frozen=True)
class Converted:
    """The invoice a conversion created and the quote as it left it."""

    invoice: InvoiceOut
    quote: QuoteOut


def event(deps: Deps, quote: Quote, type_: str, **extra: Any) -> Step:
    payload = {"quote_id": quote.id, "quote_number": quote.quote_number, "client_id": quote.client_id,
               "status": quote.status, "total_ht": str(quote.total_ht), "total_ttc": str(quote.total_ttc),
               "currency": quote.currency, "valid_until": quote.valid_until.isoformat(),
               "invoice_id": quote.invoice_id, **extra}
    return (record_event(Event(id=deps.new_id(), org_id=quote.org_id, type=type_, entity="quote", entity_id=quote.id,
                               payload=payload, occurred_at=deps.clock.now())), None)


def to_out(quote: Quote) -> QuoteOut:
    return QuoteOut.model_construct(**{name: getattr(quote, name) for name in QuoteOut.model_fields})


def require_quote(deps: Deps, org_id: str, quote_id: str) -> Quote:
    quote = repo.get(deps.store, org_id, quote_id) if is_uuid(quote_id) else None
    if quote is None:
        raise NotFound(f"quote {quote_id} not found", code="quote_not_found")
    return quote


def _client(deps: Deps, org_id: str, client_id: str) -> Client:
    try:
        return require_client(deps, org_id, client_id)
    except NotFound as exc:
        raise field_error("client_id", _NO_CLIENT) from exc


def _client_steps(client: Client) -> list[Step]:
    """The client must still exist when the quote is written (deleted meanwhile: 422 on ``client_id``)."""
    return [(repo.client_check(client), field_error("client_id", _NO_CLIENT))]


def _amounts(fields: dict[str, Any], currency: str) -> dict[str, Any]:
    """Lines, totals and VAT breakdown by the invoices' rules (``items`` or stated totals, checked either way)."""
    stated = InvoicePatch.model_validate({name: fields.get(name) for name in AMOUNT_FIELDS - {"currency"}})
    return invoices._amounts(stated, currency)


def _number_taken(number: str) -> Conflict:
    return Conflict(f"quote number {number} is already used in your organization", code="quote_number_exists",
                    details={"quote_number": ["already used"]})


def _next_number(deps: Deps, org_id: str, year: int) -> tuple[str, list[Step]]:
    """The year's next free number and the step claiming it (numbers stated by hand are skipped over)."""
    number, claim = QUOTES.next(deps.store, org_id, year)
    return number, [(claim, None)]


def create_quote(deps: Deps, org_id: str, data: QuoteCreate) -> QuoteOut:
    client = _client(deps, org_id, data.client_id)
    day = data.date or invoices.org_today(deps, org_id)
    valid_until = data.valid_until or day + timedelta(days=DEFAULT_VALIDITY_DAYS)
    if valid_until < day:
        raise field_error("valid_until", "must not be before the quote date")
    currency = data.currency or client.preferred_currency
    check_line_products(deps, org_id, data.items)
    amounts = _amounts({name: getattr(data, name) for name in AMOUNT_FIELDS}, currency)
    quote_id = deps.new_id()

    def attempt() -> QuoteOut:
        now = deps.clock.now()
        number, steps = ((data.quote_number, []) if data.quote_number
                         else _next_number(deps, org_id, day.year))
        quote = Quote(id=quote_id, org_id=org_id, quote_number=number, client_id=client.id,
                      client_name=client.company_name, date=day, quote_date=day, valid_until=valid_until,
                      status=data.status, currency=currency, notes=data.notes, reference=data.reference,
                      sent_at=now if data.status == "sent" else None, created_at=now, updated_at=now, **amounts)
        marker_error = _number_taken(number) if data.quote_number else None
        reserve = QUOTES.reserve(org_id, number, quote.id)
        commit(deps.store, [*plain(repo.insert(quote)), *_client_steps(client), *steps, (reserve, marker_error),
                            event(deps, quote, "quote.created"),
                            *([event(deps, quote, "quote.sent")] if quote.status == "sent" else [])])
        return to_out(quote)

    return retrying(deps.store, attempt)


def get_quote(deps: Deps, org_id: str, quote_id: str) -> QuoteOut:
    return to_out(require_quote(deps, org_id, quote_id))


# --- changes ----------------------------------------------------------------------------------------------------


def update_quote(deps: Deps, org_id: str, quote_id: str, data: QuoteCreate | QuotePatch) -> QuoteOut:
    """PUT (``QuoteCreate``, drafts only) or PATCH (``QuotePatch``); a ``status`` in the body moves it too."""
    if isinstance(data, QuotePatch):
        sent, target = data.model_fields_set - {"status"}, data.status
    else:  # PUT replaces every field; the number and dates left out keep their current value
        kept = {n for n in ("quote_number", "date", "valid_until") if not getattr(data, n)}
        sent, target = set(QuoteCreate.model_fields) - {"status"} - kept, ("sent" if data.status == "sent" else None)
    if sent:
        retrying(deps.store, lambda: _edit(deps, org_id, quote_id, data, sent))
    if target is not None:
        return change_status(deps, org_id, quote_id, target)
    return to_out(require_quote(deps, org_id, quote_id))


def _check_editable(current: Quote, data: QuoteCreate | QuotePatch, sent: set[str]) -> None:
    if current.status not in EDITABLE:
        raise Conflict(f"a quote in status {current.status} is final and cannot change", code="quote_locked",
                       details={name: [f"quote is {current.status}"] for name in sorted(sent) or ["body"]})
    if current.status == "sent":
        locked = sorted(sent - EDITABLE_WHEN_SENT)
        if locked or isinstance(data, QuoteCreate):
            raise Conflict("a sent quote's amounts, client, date and number are frozen (notes, reference and "
                           "valid_until may still change); the client can reject it and you can send a new one",
                           code="quote_locked", details={name: ["frozen once sent"] for name in locked or ["body"]})


def _changes(data: QuoteCreate | QuotePatch, sent: set[str]) -> dict[str, Any]:
    changes: dict[str, Any] = {name: getattr(data, name) for name in sent}
    for name in NOT_CLEARABLE:
        if name in changes and changes[name] is None:
            if isinstance(data, QuoteCreate):  # PUT: left out means "keep"
                del changes[name]
                continue
            raise field_error(name, "cannot be cleared")
    return changes


def _edit(deps: Deps, org_id: str, quote_id: str, data: QuoteCreate | QuotePatch, sent: set[str]) -> None:
    current = require_quote(deps, org_id, quote_id)
    _check_editable(current, data, sent)
    changes = _changes(data, sent)
    steps: list[Step] = []
    if "client_id" in changes and changes["client_id"] != current.client_id:
        client = _client(deps, org_id, changes["client_id"])
        changes["client_name"] = client.company_name
        steps += [*plain(repo.move_client_refs(org_id, current.client_id, client.id)), *_client_steps(client)]
    if AMOUNT_FIELDS & sent:
        check_line_products(deps, org_id, data.items if "items" in sent else None)
        merged = {**_stated(current), **{k: v for k, v in changes.items() if k in AMOUNT_FIELDS}}
        changes.update(_amounts(merged, merged.get("currency") or current.currency))
    now = deps.clock.now()
    updated = Quote.model_validate({**current.model_dump(), **changes, "version": current.version + 1,
                                    "updated_at": now})
    updated.quote_date = updated.date
    if updated.valid_until < updated.date:
        raise field_error("valid_until", "must not be before the quote date")
    steps += _renumber(current, updated)
    commit(deps.store, [(repo.replace(updated, current.version), None), *steps,
                        event(deps, updated, "quote.updated", changed=sorted(changes))])


def _stated(quote: Quote) -> dict[str, Any]:
    """The current amounts in the form a request states them, so a partial change recomputes the rest."""
    if quote.items:
        return {"items": [line.model_dump(exclude={"line_total"}) for line in quote.items],
                "currency": quote.currency, "tax_rate": quote.tax_rate}
    return {"total_ht": quote.total_ht, "tax_rate": quote.tax_rate, "currency": quote.currency}


def _renumber(current: Quote, updated: Quote) -> list[Step]:
    if updated.quote_number.upper() == current.quote_number.upper():
        return []
    return [(QUOTES.release(current.org_id, current.quote_number), None),
            (QUOTES.reserve(updated.org_id, updated.quote_number, updated.id), _number_taken(updated.quote_number))]


def check_transition(quote: Quote, target: str) -> None:
    if target == quote.status:
        return
    if target not in TRANSITIONS[quote.status]:
        allowed = sorted(TRANSITIONS[quote.status]) or ["none"]
        raise Conflict(f"a quote in status {quote.status} cannot become {target}; allowed: {', '.join(allowed)}",
                       code="invalid_status_transition",
                       details={"status": [f"{quote.status} → {target} is not allowed"], "allowed": allowed})


def change_status(deps: Deps, org_id: str, quote_id: str, target: str) -> QuoteOut:
    def attempt() -> QuoteOut:
        current = require_quote(deps, org_id, quote_id)
        check_transition(current, target)
        if target == current.status:
            return to_out(current)
        now = deps.clock.now()
        updated = current.model_copy(update={"status": target, STAMPS[target]: now, "version": current.version + 1,
                                             "updated_at": now})
        commit(deps.store, [(repo.replace(updated, current.version), None),
                            event(deps, updated, f"quote.{target}", previous_status=current.status)])
        return to_out(updated)

    return retrying(deps.store, attempt)


def delete_quote(deps: Deps, org_id: str, quote_id: str) -> None:
    def attempt() -> None:
        current = require_quote(deps, org_id, quote_id)
        if current.status != "draft":
            raise Conflict("only draft quotes can be deleted; a sent quote is rejected or expires",
                           code="quote_not_draft")
        commit(deps.store, [*plain(repo.remove(current)), event(deps, current, "quote.deleted")])

    retrying(deps.store, attempt)


# --- conversion -------------------------------------------------------------------------------------------------


def _check_convertible(deps: Deps, quote: Quote) -> None:
    # A quote whose invoice (a draft) was deleted since may be converted again.
    if quote.invoice_id and invoices.invoice_exists(deps, quote.org_id, quote.invoice_id):
        raise Conflict(f"quote {quote.quote_number} was already converted into invoice {quote.invoice_id}",
                       code="quote_already_converted", details={"invoice_id": quote.invoice_id})
    if quote.status not in CONVERTIBLE:
        raise Conflict(f"a quote in status {quote.status} cannot be converted; send it first (only sent or "
                       "accepted quotes become invoices)", code="quote_not_convertible",
                       details={"status": [f"is {quote.status}; must be sent or accepted"]})


def _invoice_request(quote: Quote, data: QuoteConvert) -> InvoiceCreate:
    """The invoice of a quote: its lines (or stated totals), client, currency, notes and reference, as a draft."""
    fields: dict[str, Any] = {"client_id": quote.client_id, "currency": quote.currency, "notes": quote.notes,
                              "reference": quote.reference, "date": data.date, "due_date": data.due_date,
                              "invoice_number": data.invoice_number, "tax_rate": quote.tax_rate, "status": "draft"}
    if quote.items:
        fields["items"] = [line.model_dump(exclude={"line_total"}) for line in quote.items]
    else:
        fields |= {"total_ht": quote.total_ht, "total_ttc": quote.total_ttc}
    return InvoiceCreate.model_validate(fields)  # only the stated dates can be refused (422 naming due_date)


def _mark_converted(deps: Deps, org_id: str, quote_id: str, invoice: InvoiceOut) -> QuoteOut:
    current = require_quote(deps, org_id, quote_id)
    _check_convertible(deps, current)
    now = deps.clock.now()
    update: dict[str, Any] = {"invoice_id": invoice.id, "converted_at": now, "version": current.version + 1,
                              "updated_at": now}
    if current.status == "sent":
        update |= {"status": "accepted", "accepted_at": now}
    updated = current.model_copy(update=update)
    accepted = [event(deps, updated, "quote.accepted", previous_status="sent")] if current.status == "sent" else []
    commit(deps.store, [(repo.replace(updated, current.version), None), *accepted,
                        event(deps, updated, "quote.converted", invoice_number=invoice.invoice_number)])
    return to_out(updated)


def convert_quote(deps: Deps, org_id: str, quote_id: str, data: QuoteConvert) -> Converted:
    """Create the quote's invoice and mark the quote accepted and converted.

    The invoice is created as a draft (``invoices.service.create_invoice``), then the quote is marked at its
    version; if another conversion won meanwhile, the draft is deleted again (it consumed no number) and the
    request is refused. Only then, with ``status`` ``sent``, is the invoice issued and numbered.
    """
    quote = require_quote(deps, org_id, quote_id)
    _check_convertible(deps, quote)
    invoice = invoices.create_invoice(deps, org_id, _invoice_request(quote, data), quote_id=quote.id)
    try:
        converted = retrying(deps.store, lambda: _mark_converted(deps, org_id, quote_id, invoice))
    except DomainError:
        invoice_changes.delete_invoice(deps, org_id, invoice.id)
        raise
    if data.status == "sent":
        invoice = invoice_changes.change_status(deps, org_id, invoice.id, "sent")
    return Converted(invoice=invoice, quote=converted)


# --- listing ----------------------------------------------------------------------------------------------------


def _matches(item: Item, query: QuoteListQuery, needle: str) -> bool:
    return ((query.status is None or item["status"] == query.status)
            and (not needle or needle in item.get("search_text", "")))


def list_quotes(deps: Deps, org_id: str, query: QuoteListQuery) -> Listing:
    """Quotes newest first. Date and client filters are key ranges; status and search filter that range."""
    start = query.start_date.isoformat() if query.start_date else None
    end = query.end_date.isoformat() if query.end_date else None
    needle = fold(query.search)

    def fetch(limit: int, cursor: str | None) -> Page:
        return repo.query_by_date(deps.store, org_id, client_id=query.client_id, start=start, end=end, limit=limit,
                                  cursor=cursor)

    if not (query.status or needle or start or end or query.client_id):
        page, number = fetch_page(fetch, query)
        return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=query.limit,
                       total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)
    matches = [i for i in _scan(fetch) if _matches(i, query, needle)]
    return page_of_matches(matches, query, lambda item: to_out(repo.from_item(item)))


def _scan(fetch: Callable[[int, str | None], Page]) -> list[Item]:
    return list(all_items(lambda cursor: fetch(_BATCH, cursor)))

