"""The event catalogue: every event a subscription may ask for, its description, its aliases and an example.

Names are the outbox's ``type`` values (dot-separated, ``[a-z0-9_]``). MonChai and CashPilot name some events
differently: MonChai's ``customer.*`` are CashPilot's ``client.*``. The outbox records the MonChai name and
``client.*`` is its alias, so a subscription to either receives the event, under the name it subscribed to.

Examples (``examples.json``) are payloads the services wrote (ids and dates as in a demo run), kept true by
``tests/unit/webhooks/test_catalogue.py``, which compares them with the payloads the services write now. The
order, stock, lot and analysis events belong to the winery module: subscriptions may ask for them already.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

WILDCARD = "*"
TEST_EVENT = "webhook.test"
_ALIASES = {"client.created": "customer.created", "client.updated": "customer.updated",
            "client.deleted": "customer.deleted"}


@dataclass(frozen=True)
class EventType:
    name: str
    group: str
    description: str
    product: str  # "monchai", "cashpilot" or "both": the product document that promises it

    @property
    def aliases(self) -> tuple[str, ...]:
        return tuple(alias for alias, name in _ALIASES.items() if name == self.name)


def _types(product: str, group: str, entries: Iterable[tuple[str, str]]) -> tuple[EventType, ...]:
    return tuple(EventType(name, group, description, product) for name, description in entries)


CATALOGUE: tuple[EventType, ...] = (
    *_types("both", "customers", (
        ("customer.created", "A client (customer) was created."),
        ("customer.updated", "A client was changed; `changed` lists the fields."),
        ("customer.deleted", "A client was deleted."))),
    *_types("monchai", "orders", (
        ("order.created", "A sales order was created."),
        ("order.validated", "A sales order was validated."),
        ("order.updated", "A sales order was changed."),
        ("order.paid", "A sales order was paid in full."),
        ("order.shipped", "A sales order was shipped."),
        ("order.cancelled", "A sales order was cancelled."))),
    *_types("monchai", "cellar", (
        ("stock.low", "A product's stock fell below its alert threshold."),
        ("lot.created", "A wine lot was created."),
        ("analysis.alert", "A lot analysis is outside its limits."))),
    *_types("both", "invoices", (
        ("invoice.created", "A draft invoice was created."),
        ("invoice.updated", "A draft invoice was changed."),
        ("invoice.issued", "An invoice was issued (numbered, posted to the books)."),
        ("invoice.sent", "An invoice was marked sent."),
        ("invoice.paid", "An invoice was paid in full."),
        ("invoice.overdue", "A sent invoice with a balance passed its due date (the daily job)."),
        ("invoice.cancelled", "An invoice was cancelled."),
        ("invoice.deleted", "A draft invoice was deleted."))),
    *_types("cashpilot", "payments", (
        ("payment.created", "A payment was recorded against an invoice."),
        ("payment.deleted", "A payment was deleted."))),
    *_types("cashpilot", "quotes", (
        ("quote.created", "A quote was created."),
        ("quote.updated", "A quote was changed."),
        ("quote.sent", "A quote was marked sent."),
        ("quote.accepted", "A quote was accepted."),
        ("quote.converted", "A quote was converted into an invoice."),
        ("quote.deleted", "A quote was deleted."))),
    *_types("cashpilot", "credit_notes", (
        ("credit_note.created", "A draft credit note was created."),
        ("credit_note.issued", "A credit note was issued."),
        ("credit_note.cancelled", "A credit note was cancelled."))),
    *_types("cashpilot", "expenses", (
        ("expense.created", "An expense was recorded."),
        ("expense.updated", "An expense was changed."),
        ("expense.deleted", "An expense was deleted."),
        ("expense.receipt_attached", "A receipt was attached to an expense."))),
    *_types("cashpilot", "products", (
        ("product.created", "A product was created."),
        ("product.updated", "A product was changed."),
        ("product.deleted", "A product was deleted."))),
    *_types("cashpilot", "projects", (
        ("project.created", "A project was created."),
        ("project.updated", "A project was changed."),
        ("project.deleted", "A project was deleted."))),
    *_types("cashpilot", "bank", (
        ("bank.account.created", "A bank account was added."),
        ("bank.account.updated", "A bank account was changed."),
        ("bank.account.deleted", "A bank account was deleted."),
        ("bank.statement.imported", "A bank statement was booked."),
        ("bank.transaction.matched", "A bank transaction was matched to invoices or expenses."),
        ("bank.transaction.unmatched", "A bank transaction's match was undone."),
        ("bank.transaction.ignored", "A bank transaction was ignored (booked to a ledger account)."),
        ("bank.alert", "A bank alert was raised (low balance, large debit, overdue invoice)."),
        ("bank.alert_settings.updated", "The bank alert thresholds were changed."))),
    *_types("cashpilot", "company", (("company.updated", "The company profile was changed."),)),
    *_types("cashpilot", "webhooks", (
        ("webhook.created", "A webhook subscription was created (its secret is never in a payload)."),
        ("webhook.updated", "A webhook subscription was changed or its secret rotated."),
        ("webhook.deleted", "A webhook subscription was deleted."),
        ("webhook.disabled", "A subscription was disabled: its endpoint failed for 3 days or answered 410 Gone."),)),
)

_BY_NAME = {event.name: event for event in CATALOGUE}


def canonical(name: str) -> str | None:
    """The outbox name of ``name`` (itself or the event it is an alias of), ``None`` for an unknown name."""
    name = _ALIASES.get(name, name)
    return name if name in _BY_NAME else None


def known_names() -> list[str]:
    return sorted([*_BY_NAME, *_ALIASES])


def delivered_name(subscribed: Iterable[str], event_type: str) -> str | None:
    """The name under which a subscription to ``subscribed`` receives an ``event_type`` event, or ``None``.

    An explicit name wins over the wildcard, so a subscription to ``client.created`` hears ``client.created``.
    """
    if event_type not in _BY_NAME:
        return None
    names = list(subscribed)
    for name in names:
        if name != WILDCARD and _ALIASES.get(name, name) == event_type:
            return name
    return event_type if WILDCARD in names else None


@cache
def examples() -> dict[str, dict[str, Any]]:
    loaded: dict[str, dict[str, Any]] = json.loads((Path(__file__).parent / "examples.json").read_text())
    return loaded


def example(name: str) -> dict[str, Any]:
    """An example ``data`` of event ``name`` (an alias gets its event's)."""
    return examples().get(canonical(name) or name, {})


def describe() -> list[dict[str, Any]]:
    """The catalogue as the events route answers it."""
    rows = []
    for event in CATALOGUE:
        rows.append({"name": event.name, "group": event.group, "product": event.product,
                     "description": event.description, "aliases": list(event.aliases), "alias_of": None,
                     "example": example(event.name)})
        rows.extend({"name": alias, "group": event.group, "product": "cashpilot",
                     "description": f"{event.description} (CashPilot's name of `{event.name}`)", "aliases": [],
                     "alias_of": event.name, "example": example(event.name)} for alias in event.aliases)
    return rows
