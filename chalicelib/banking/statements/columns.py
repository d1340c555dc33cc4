"""The one table of the column names banks give their statement exports (French, English, Dutch), and finding the
header row of a table.

Names are compared folded (lower case, accents removed, punctuation and repeated spaces collapsed): a cell is a
role's column when it equals one of the role's aliases, or else when it starts with one and a space follows
(``Montant en euros``, ``Débit (EUR)``; not ``Débiteur``). The longer, more specific aliases win: ``date de
valeur`` is the value date, not the date, ``montant débit`` a debit, not an amount. The header is the first of the
first ``HEADER_ROWS`` rows naming a date column and an amount (or a debit or credit) column.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from chalicelib.core.text import fold as text_fold

Role = Literal["date", "value_date", "label", "extra_label", "reference", "counterparty", "debit", "credit", "amount",
               "balance", "currency"]
HEADER_ROWS = 15

ALIASES: dict[Role, tuple[str, ...]] = {
    "date": ("date", "date operation", "date d operation", "date de l operation", "date comptable",
             "date de comptabilisation", "date d execution", "date transaction", "jour", "booking date",
             "transaction date", "posting date", "posted date", "datum", "boekingsdatum", "uitvoeringsdatum",
             "rentedatum verrichting", "date de l'operation"),
    "value_date": ("date de valeur", "date valeur", "valeur", "value date", "valutadatum", "valuta", "rentedatum",
                   "date val"),
    "label": ("libelle", "libelle operation", "libelle de l operation", "libelle simplifie", "description",
              "operation", "nature de l operation", "nature", "detail", "details", "intitule", "motif",
              "transaction", "narrative", "memo", "wording", "omschrijving", "mededeling", "mededelingen",
              "detail du mouvement", "communication"),
    "extra_label": ("libelle complementaire", "informations complementaires", "complement", "details du libelle",
                    "additional information"),
    "reference": ("reference", "ref", "reference de l operation", "numero de piece", "piece", "transaction id",
                  "referentie", "numero", "n operation"),
    "counterparty": ("beneficiaire", "beneficiaire ou emetteur", "tiers", "contrepartie", "nom de la contrepartie",
                     "payee", "payer", "counterparty", "naam tegenpartij", "tegenpartij", "naam van de tegenpartij",
                     "donneur d ordre", "emetteur"),
    "debit": ("debit", "debits", "debit eur", "debit euros", "montant debit", "montant au debit", "sortie",
              "sorties", "retrait", "withdrawal", "withdrawals", "money out", "paid out", "af", "uitgaven"),
    "credit": ("credit", "credits", "credit eur", "credit euros", "montant credit", "montant au credit", "entree",
               "entrees", "depot", "deposit", "deposits", "money in", "paid in", "bij", "inkomsten"),
    "amount": ("montant", "montant eur", "montant euros", "montant de l operation", "somme", "amount",
               "transaction amount", "bedrag", "bedrag eur", "montant net"),
    "balance": ("solde", "solde eur", "solde apres operation", "balance", "running balance", "saldo", "nouveau solde"),
    "currency": ("devise", "monnaie", "currency", "munt", "valuta code", "code devise"),
}

_PUNCT = re.compile(r"[^a-z0-9]+")


def fold(text: object) -> str:
    """A header cell as compared: the project's search folding (``core.text.fold``), punctuation as single spaces."""
    return _PUNCT.sub(" ", text_fold(str(text or ""))).strip()


_FOLDED: list[tuple[str, Role]] = sorted(((fold(alias), role) for role, names in ALIASES.items() for alias in names),
                                         key=lambda pair: -len(pair[0]))


def role_of(cell: object) -> Role | None:
    """The role of a header cell, or None."""
    name = fold(cell)
    if not name or len(name) > 60:
        return None
    for alias, role in _FOLDED:
        if name == alias:
            return role
    for alias, role in _FOLDED:  # longest first: "montant debit" before "montant"
        if name.startswith(alias + " "):
            return role
    return None


@dataclass(frozen=True)
class Header:
    """The header row found: its index in the rows and the column of each role (the first column of a role)."""

    row: int
    columns: dict[Role, int]

    def has_amounts(self) -> bool:
        return "amount" in self.columns or "debit" in self.columns or "credit" in self.columns


def header_of(row: Sequence[object]) -> dict[Role, int]:
    columns: dict[Role, int] = {}
    for index, cell in enumerate(row):
        role = role_of(cell)
        if role is not None and role not in columns:
            columns[role] = index
    if "label" not in columns and "extra_label" in columns:
        columns["label"] = columns.pop("extra_label")
    return columns


def find_header(rows: Sequence[Sequence[object]]) -> Header | None:
    """The first of the first ``HEADER_ROWS`` rows that names a date and an amount (or debit/credit) column."""
    for index, row in enumerate(rows[:HEADER_ROWS]):
        columns = header_of(row)
        found = Header(index, columns)
        if "date" in columns and found.has_amounts() and len(columns) >= 2:
            return found
    return None
