"""The guide's scoring of one bank transaction against one open document, part by part.

- amount, on absolute values against the document's open amount: within 0.01 = 50, within 1 % = 40, within 5 % = 20;
- date, the closest of the document's date and due date: same day = 30, 1 day = 25, 3 days = 20, 7 days = 10;
- reference, the document's number in the transaction's wording (label, counterparty, remittance information),
  compared on lower-case letters and digits only: contained = 20, its last 70 % contained = 10; a
  Belgian structured communication equal to the document's = 20;
- name: the party's name (without its legal form) in the wording = 5. The total is capped at 100.
A transaction in the wrong direction for the document (a debit against an invoice, a credit against an expense)
scores nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import lru_cache

from chalicelib.banking.matching.model import Doc, ScoreParts, Txn
from chalicelib.core.text import fold

CENT = Decimal("0.01")
_NOT_ALNUM = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"[0-9]+")
# legal forms dropped from a party's name before looking for it in a bank label ("SARL DUPONT" is paid as "DUPONT")
LEGAL_FORMS = frozenset({"sarl", "sas", "sasu", "sa", "eurl", "sci", "snc", "scp", "sprl", "srl", "bv", "nv",
                         "bvba", "asbl", "vzw", "gie", "ets", "cie", "ltd", "inc", "gmbh", "sca", "scs", "scrl"})


@lru_cache(maxsize=65536)
def squash(text: str) -> str:
    """Letters and digits only: how references and names are compared."""
    return _NOT_ALNUM.sub("", fold(text))


def words(text: str) -> list[str]:
    return [w for w in _NOT_ALNUM.split(fold(text)) if w]


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A party's name as looked for in a label: its words without the legal form, squashed (≥ 3 characters)."""
    kept = [w for w in words(name) if w not in LEGAL_FORMS]
    key = "".join(kept) or squash(name)
    return key if len(key) >= 3 else ""


def txn_text(txn: Txn) -> str:
    """The transaction's wording, squashed: what references and names are looked for in."""
    return squash(" ".join(p for p in (txn.label, txn.counterparty, txn.reference) if p))


def amount_points(paid: Decimal, open_amount: Decimal) -> int:
    delta = abs(paid - open_amount)
    if delta <= CENT:
        return 50
    if open_amount <= 0:
        return 0
    if delta <= open_amount / 100:
        return 40
    if delta <= open_amount * 5 / 100:
        return 20
    return 0


def day_gap(day: dt.date, doc: Doc) -> int | None:
    gaps = [abs((day - d).days) for d in (doc.date, doc.due_date) if d is not None]
    return min(gaps) if gaps else None


def date_points(day: dt.date, doc: Doc) -> int:
    gap = day_gap(day, doc)
    if gap is None:
        return 0
    for limit, points in ((0, 30), (1, 25), (3, 20), (7, 10)):
        if gap <= limit:
            return points
    return 0


def reference_points(doc: Doc, text: str) -> int:
    if doc.structured_ref:
        wanted = "".join(_DIGITS.findall(doc.structured_ref))
        if len(wanted) >= 3 and wanted in text:
            return 20
    number = squash(doc.number or "")
    if len(number) < 3:
        return 0
    if number in text:
        return 20
    return 10 if number[-partial_run(len(number)):] in text else 0


def partial_run(length: int) -> int:
    """A reference is partly in a wording when its last 70 % (at least 3 characters) is: the distinctive end of a
    sequential number (``2026-0001`` for ``FA-2026-0001``), not its shared prefix (``FA-2026-00``)."""
    return max(3, -(-7 * length // 10))


def name_points(doc: Doc, text: str) -> int:
    key = name_key(doc.party_name or "")
    return 5 if key and key in text else 0


def right_direction(txn: Txn, doc: Doc) -> bool:
    return (txn.amount > 0) == (doc.kind == "invoice") and txn.amount != 0


def score_from(txn: Txn, doc: Doc, text: str, floor: int) -> ScoreParts | None:
    """The score when it can reach ``floor``, else ``None`` — the reference (the costly part) is only looked for
    when the other parts leave it a chance."""
    if not right_direction(txn, doc):
        return None
    amount = amount_points(abs(txn.amount), doc.open_amount)
    date = date_points(txn.booking_date, doc)
    name = name_points(doc, text)
    if amount + date + name + 20 < floor:
        return None
    parts = ScoreParts(amount=amount, date=date, reference=reference_points(doc, text), name=name)
    return parts if parts.total >= floor else None


def score(txn: Txn, doc: Doc, text: str | None = None) -> ScoreParts:
    """The score of ``txn`` against ``doc``; ``text`` is ``txn_text(txn)`` when the caller has it already."""
    if not right_direction(txn, doc):
        return ScoreParts()
    wording = txn_text(txn) if text is None else text
    return ScoreParts(amount=amount_points(abs(txn.amount), doc.open_amount),
                      date=date_points(txn.booking_date, doc),
                      reference=reference_points(doc, wording), name=name_points(doc, wording))
