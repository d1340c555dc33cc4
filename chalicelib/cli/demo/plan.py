"""The demo year as a plan: which document is made on which day, drawn from a seeded random generator.

The plan is pure (no store, no clock): the same country and the same day give the same year. ``load`` then carries
it out in date order through the services, so numbering, the books and the payment history stay chronological.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Literal

from chalicelib.cli.demo.catalogue import Country, scaled

INVOICES = 40
DRAFTS = 3
FROM_QUOTES = 4
OPEN_QUOTES = 3
CREDITED = ((5, "full"), (11, "partial"), (23, "partial"))  # (index of the invoice, kind)
RECEIPT_EVERY = 3  # one expense in three comes with its receipt
_QUANTITY = {"heure": (4, 30), "uur": (4, 30), "m²": (20, 80), "jour": (1, 5), "dag": (1, 5), "pièce": (1, 6),
             "stuk": (1, 6), "forfait": (1, 2)}

Kind = Literal["quote", "invoice", "credit_note", "payment", "expense"]
_ORDER: dict[Kind, int] = {"quote": 0, "invoice": 1, "credit_note": 2, "payment": 3, "expense": 4}


@dataclass
class Line:
    product: int  # index in the country's products
    quantity: Decimal


@dataclass
class Step:
    day: date
    kind: Kind
    ref: int  # invoice index (quote, invoice, credit note, payment) or expense index
    lines: list[Line] = field(default_factory=list)
    client: int = 0
    draft: bool = False
    from_quote: bool = False
    share: Decimal = Decimal("1")  # payment: part of the balance paid; credit note: "full" is 1
    amount: Decimal = Decimal("0")  # expense: amount paid (TTC)
    expense: int = 0  # expense: index in the country's expenses
    receipt: bool = False

    def sort_key(self) -> tuple[date, int, int]:
        return self.day, _ORDER[self.kind], self.ref


def _lines(rng: random.Random, country: Country) -> list[Line]:
    picked = rng.sample(range(len(country.products)), k=min(len(country.products), rng.randint(1, 3)))
    lines = []
    for index in sorted(picked):
        low, high = _QUANTITY.get(country.products[index].get("unit", "pièce"), (1, 5))
        lines.append(Line(product=index, quantity=Decimal(rng.randint(low, high))))
    return lines


def _payments(rng: random.Random, index: int, day: date, today: date, credited: set[int]) -> list[Step]:
    """Most invoices are paid a few weeks after issue; some in two instalments, some partly, a few not yet."""
    if index in credited and dict(CREDITED)[index] == "full":
        return []
    age = (today - day).days
    roll = rng.random()
    first = day + timedelta(days=rng.randint(12, 40))
    if age < 20 or roll < 0.1 or first > today:
        return []  # not paid yet: the overdue job will find those past their due date
    if roll < 0.25:
        return [Step(first, "payment", index, share=Decimal("0.4"))]  # partly paid, the rest still due
    if roll < 0.4:
        second = first + timedelta(days=rng.randint(15, 30))
        steps = [Step(first, "payment", index, share=Decimal("0.5"))]
        return steps + ([Step(second, "payment", index)] if second <= today else [])
    return [Step(first, "payment", index)]


def _invoices(rng: random.Random, country: Country, start: date, today: date) -> list[Step]:
    issued = INVOICES - DRAFTS
    span = (today - start).days - 5
    days = [*sorted(start + timedelta(days=rng.randint(0, span)) for _ in range(issued - 1)), today]
    days += [today - timedelta(days=rng.randint(0, 10)) for _ in range(DRAFTS)]
    quoted = set(rng.sample(range(2, issued - 2), k=FROM_QUOTES))
    credited = {index for index, _ in CREDITED}
    steps: list[Step] = []
    for index, day in enumerate(days):
        invoice = Step(day, "invoice", index, lines=_lines(rng, country), client=rng.randrange(len(country.clients)),
                       draft=index >= issued, from_quote=index in quoted)
        if invoice.from_quote:
            steps.append(Step(max(start, day - timedelta(days=rng.randint(7, 25))), "quote", index, lines=invoice.lines,
                              client=invoice.client))
        steps.append(invoice)
        if index in credited:
            share = Decimal("1") if dict(CREDITED)[index] == "full" else Decimal("0.1")
            steps.append(Step(min(today, day + timedelta(days=rng.randint(3, 9))), "credit_note", index, share=share))
        if not invoice.draft:
            steps += _payments(rng, index, day, today, credited)
    for offset in range(OPEN_QUOTES):  # quotes still waiting for an answer (the last one not sent yet)
        steps.append(Step(today - timedelta(days=2 + 5 * offset), "quote", INVOICES + offset,
                          lines=_lines(rng, country), client=rng.randrange(len(country.clients)),
                          draft=offset == 0))
    return steps


def _expenses(rng: random.Random, country: Country, start: date, today: date) -> list[Step]:
    steps: list[Step] = []
    for month in range(12):
        first = start + timedelta(days=30 * month)
        for which, spec in enumerate(country.expenses):
            if month % int(spec["every"]):
                continue
            day = min(first + timedelta(days=rng.randint(0, 27)), today)
            base = scaled(country, str(spec["amount"]))
            # variable costs vary a little from one month to the next; rent and subscriptions do not
            amount = base if spec["every"] == 1 else base * Decimal(rng.randint(85, 120)) / 100
            steps.append(Step(day, "expense", len(steps), expense=which, amount=amount,
                              receipt=len(steps) % RECEIPT_EVERY == 0))
    return steps


def plan_year(country: Country, today: date) -> list[Step]:
    """Every step of the demo year ending ``today``, in the order they are carried out."""
    rng = random.Random(f"cashpilot-demo-{country.code}")
    start = today - timedelta(days=364)
    steps = _invoices(rng, country, start, today) + _expenses(rng, country, start, today)
    return sorted((s for s in steps if start <= s.day <= today), key=Step.sort_key)
