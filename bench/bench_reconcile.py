"""Benchmark of the matching engine: n unmatched transactions against n open documents, n = 1k and 10k.

The books are synthetic and seeded (the same in every run): per thousand transactions, a year of a business with
400 clients (so the larger size is the same business over a longer period, the density of documents per day and
per amount unchanged) — invoices numbered ``FA-2026-nnnnn``, amounts from 10.00 to 9 999.99, and expenses of 60
suppliers; the transactions pay them the
way bank statements do — 55 % exactly with the number in the label, 15 % exactly with only the client's name, 10 %
within 1 % a few days late, 5 % one transfer for two or three invoices of one client, 5 % debits for expenses, 10 %
unrelated (card payments, fees). ``chalicelib.banking.matching.reconcile`` runs on them (scoring, index, optimal
assignment, grouped matches; no store), ``runs`` times per size, alternated, after one discarded warm-up run
(scipy's import); the figure is the median.

The ratio of the 10k time to the 1k time is printed next to what it would be for n log n (13.3) and for n² (100):
the engine must stay near the first. ``dense`` is the larger size squeezed into one year (ten times the documents
per day and per client, so ten times the candidates per transaction): the engine's cost grows with the candidates,
and that figure shows by how much. Run from the repository root:
``.venv/bin/python bench/bench_reconcile.py [--runs 3] [--sizes 1000,10000]``; it prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from chalicelib.banking.matching import Doc, Result, Txn, reconcile

START = dt.date(2026, 1, 1)
LABELS = ("CB CARREFOUR", "FRAIS TENUE DE COMPTE", "CB SNCF", "COTISATION CARTE", "CB AMAZON", "RETRAIT DAB")


def _money(rng: random.Random, low: int = 1_000, high: int = 999_999) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def _documents(n: int, span: int, rng: random.Random) -> list[Doc]:
    clients = [f"Client {i:05d} SARL" for i in range(max(1, 400 * span // 365))]
    docs: list[Doc] = []
    for i in range(int(n * 0.9)):
        day = START + dt.timedelta(days=rng.randrange(span))
        client = rng.randrange(len(clients))
        docs.append(Doc(id=f"i{i}", kind="invoice", open_amount=_money(rng), date=day,
                        due_date=day + dt.timedelta(days=30), number=f"FA-2026-{i:05d}", party_id=f"c{client}",
                        party_name=clients[client]))
    for i in range(n - len(docs)):
        docs.append(Doc(id=f"e{i}", kind="expense", open_amount=_money(rng, 500, 90_000),
                        date=START + dt.timedelta(days=rng.randrange(span)), party_name=f"Fournisseur {i % 60}"))
    return docs


def _payment(kind: str, doc: Doc, following: list[Doc], rng: random.Random) -> tuple[Decimal, str, dt.date]:
    day = (doc.due_date or START) - dt.timedelta(days=rng.randrange(3))
    name = (doc.party_name or "").upper()
    if kind == "number":
        return doc.open_amount, f"VIR SEPA RECU /DE {name} /MOTIF {doc.number}", day
    if kind == "name":
        return doc.open_amount, f"VIR {name}", day
    if kind == "late":
        return ((doc.open_amount * Decimal("0.995")).quantize(Decimal("0.01")), f"VIR {name} REGLEMENT",
                day + dt.timedelta(days=rng.randrange(2, 6)))
    same = [d for d in following if d.party_id == doc.party_id][:2]
    return doc.open_amount + sum((d.open_amount for d in same), Decimal(0)), f"VIR {name} FACTURES", day


def books(n: int, seed: int = 7, span: int | None = None) -> tuple[list[Txn], list[Doc]]:
    """``n`` transactions and ``n`` open documents over ``span`` days (default: a year per thousand), seeded."""
    rng = random.Random(seed)
    span = span or max(1, 365 * n // 1000)
    docs = _documents(n, span, rng)
    invoices = [d for d in docs if d.kind == "invoice"]
    rng.shuffle(invoices)
    rows: list[tuple[Decimal, str, dt.date]] = []
    cursor = 0
    for share, kind in ((0.55, "number"), (0.15, "name"), (0.10, "late"), (0.05, "group")):
        for _ in range(int(n * share)):
            rows.append(_payment(kind, invoices[cursor % len(invoices)], invoices[cursor + 1:cursor + 41], rng))
            cursor += 1
    for doc in [d for d in docs if d.kind == "expense"][: int(n * 0.05)]:
        rows.append((-doc.open_amount, f"PRLV SEPA {(doc.party_name or '').upper()}", doc.date or START))
    while len(rows) < n:
        rows.append((-_money(rng, 100, 20_000), rng.choice(LABELS), START + dt.timedelta(days=rng.randrange(span))))
    txns = [Txn(id=f"t{i}", booking_date=day, amount=amount, label=label) for i, (amount, label, day) in
            enumerate(rows)]
    return txns, docs


def _summary(result: Result) -> dict[str, int]:
    return {"auto": sum(len(m.txn_ids) for m in result.auto),
            "suggested": sum(len(m.txn_ids) for m in result.suggested), "left": len(result.left)}


def measure(sizes: tuple[int, ...] = (1_000, 10_000), runs: int = 3) -> dict[str, Any]:
    data: dict[Any, tuple[list[Txn], list[Doc]]] = {n: books(n) for n in sizes}
    data["dense"] = books(sizes[-1], span=365)
    reconcile(*books(200, seed=1))  # warm-up: scipy's import and the first calls stay out of the figures
    times: dict[Any, list[float]] = {n: [] for n in data}
    outcome: dict[Any, dict[str, int]] = {}
    for _ in range(runs):
        for n in data:
            txns, docs = data[n]
            started = time.perf_counter()
            result = reconcile(txns, docs)
            times[n].append(time.perf_counter() - started)
            outcome[n] = _summary(result)
    report: dict[str, Any] = {"runs": runs, "sizes": {}}
    for n in sizes:
        report["sizes"][str(n)] = {"seconds": round(statistics.median(times[n]), 3), **outcome[n]}
    report["dense"] = {"transactions": sizes[-1], "days": 365,
                       "seconds": round(statistics.median(times["dense"]), 3), **outcome["dense"]}
    if len(sizes) >= 2:
        small, large = sizes[0], sizes[-1]
        growth = statistics.median(times[large]) / statistics.median(times[small])
        report["ratio"] = {"measured": round(growth, 2),
                           "n_log_n": round(large * math.log(large) / (small * math.log(small)), 1),
                           "n_squared": round((large / small) ** 2, 1)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--sizes", default="1000,10000")
    args = parser.parse_args()
    sizes = tuple(int(s) for s in args.sizes.split(","))
    print(json.dumps(measure(sizes, args.runs), indent=2))


if __name__ == "__main__":
    main()
