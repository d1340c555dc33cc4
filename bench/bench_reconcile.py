"""Benchmark of the matching engine: n unmatched transactions against n open documents, n = 1k and 10k.

The books are synthetic and seeded (the same in every run): invoices of 400 clients with numbers ``FA-2026-nnnnn``,
amounts from 10.00 to 9 999.99 and dates over a year, and expenses of 60 suppliers; the transactions pay them the
way bank statements do — 55 % exactly with the number in the label, 15 % exactly with only the client's name, 10 %
within 1 % a few days late, 5 % one transfer for two or three invoices of one client, 5 % debits for expenses, 10 %
unrelated (card payments, fees). ``chalicelib.banking.matching.reconcile`` runs on them (scoring, index, optimal
assignment, grouped matches; no store), ``runs`` times per size, alternated; the figure is the median.

The ratio of the 10k time to the 1k time is printed next to what it would be for n log n (13.3) and for n² (100):
the engine must stay near the first. Run from the repository root:
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

from chalicelib.banking.matching import Doc, Result, Txn, reconcile  # noqa: E402

START = dt.date(2026, 1, 1)
LABELS = ("CB CARREFOUR", "FRAIS TENUE DE COMPTE", "CB SNCF", "COTISATION CARTE", "CB AMAZON", "RETRAIT DAB")


def _money(rng: random.Random, low: int = 1_000, high: int = 999_999) -> Decimal:
    return Decimal(rng.randint(low, high)) / 100


def books(n: int, seed: int = 7) -> tuple[list[Txn], list[Doc]]:
    """``n`` transactions and ``n`` open documents, seeded."""
    rng = random.Random(seed)
    clients = [f"Client {i:03d} SARL" for i in range(400)]
    docs: list[Doc] = []
    for i in range(int(n * 0.9)):
        day = START + dt.timedelta(days=rng.randrange(365))
        client = rng.randrange(len(clients))
        docs.append(Doc(id=f"i{i}", kind="invoice", open_amount=_money(rng), date=day,
                        due_date=day + dt.timedelta(days=30), number=f"FA-2026-{i:05d}", party_id=f"c{client}",
                        party_name=clients[client]))
    for i in range(n - len(docs)):
        docs.append(Doc(id=f"e{i}", kind="expense", open_amount=_money(rng, 500, 90_000),
                        date=START + dt.timedelta(days=rng.randrange(365)), party_name=f"Fournisseur {i % 60}"))
    invoices = [d for d in docs if d.kind == "invoice"]
    expenses = [d for d in docs if d.kind == "expense"]
    rng.shuffle(invoices)
    txns: list[Txn] = []

    def add(amount: Decimal, label: str, day: dt.date) -> None:
        txns.append(Txn(id=f"t{len(txns)}", booking_date=day, amount=amount, label=label))

    cursor = 0
    for share, kind in ((0.55, "number"), (0.15, "name"), (0.10, "late"), (0.05, "group")):
        for _ in range(int(n * share)):
            doc = invoices[cursor % len(invoices)]
            cursor += 1
            day = (doc.due_date or START) - dt.timedelta(days=rng.randrange(3))
            name = (doc.party_name or "").upper()
            if kind == "number":
                add(doc.open_amount, f"VIR SEPA RECU /DE {name} /MOTIF {doc.number}", day)
            elif kind == "name":
                add(doc.open_amount, f"VIR {name}", day)
            elif kind == "late":
                add((doc.open_amount * Decimal("0.995")).quantize(Decimal("0.01")), f"VIR {name} REGLEMENT",
                    day + dt.timedelta(days=rng.randrange(2, 6)))
            else:
                same = [d for d in invoices[cursor:cursor + 40] if d.party_id == doc.party_id][:2]
                add(doc.open_amount + sum((d.open_amount for d in same), Decimal(0)), f"VIR {name} FACTURES", day)
    for doc in expenses[: int(n * 0.05)]:
        add(-doc.open_amount, f"PRLV SEPA {(doc.party_name or '').upper()}", doc.date or START)
    while len(txns) < n:
        add(-_money(rng, 100, 20_000), rng.choice(LABELS), START + dt.timedelta(days=rng.randrange(365)))
    return txns, docs


def _summary(result: Result) -> dict[str, int]:
    return {"auto": sum(len(m.txn_ids) for m in result.auto),
            "suggested": sum(len(m.txn_ids) for m in result.suggested), "left": len(result.left)}


def measure(sizes: tuple[int, ...] = (1_000, 10_000), runs: int = 3) -> dict[str, Any]:
    data = {n: books(n) for n in sizes}
    times: dict[int, list[float]] = {n: [] for n in sizes}
    outcome: dict[int, dict[str, int]] = {}
    for _ in range(runs):
        for n in sizes:
            txns, docs = data[n]
            started = time.perf_counter()
            result = reconcile(txns, docs)
            times[n].append(time.perf_counter() - started)
            outcome[n] = _summary(result)
    report: dict[str, Any] = {"runs": runs, "sizes": {}}
    for n in sizes:
        report["sizes"][str(n)] = {"seconds": round(statistics.median(times[n]), 3), **outcome[n]}
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
