"""The three official charts of accounts, their default posting mappings, VAT rates and journals, as package data.

Responsible for: loading ``fr_pcg.json``, ``be_pcmn.json`` and ``ohada_syscohada.json`` (shipped inside this
package, read with ``importlib.resources``), deriving each account's class and parent from its code, and telling
which account a posting key (``client``, ``vat_output``, ``expense.rent``...) goes to by default and which VAT
rates a new organization starts with. Nothing here touches storage: the books copy these defaults at ``init``.

Sources and editions
--------------------
* FR - Plan comptable général, règlement ANC n° 2014-03, version consolidated at 1 January 2024: the list of
  art. 932-1 (classes 1 to 7, every account of the base, abridged and developed systems) and the class 8 accounts
  that art. 948-80 to 948-89 describe in prose. The 2025 renumbering of règlement ANC n° 2022-06 is not applied.
  Labels are the text's; editorial notes such as "(même ventilation que celle du compte 213)" are dropped.
* BE - Plan comptable minimum normalisé (annex to the A.R. of 21 October 2018, formerly A.R. of 12 September
  1983), with the 2019 wording of the Code des sociétés et des associations for the contribution accounts (11,
  410, 691, 694, 791). Ranges written "643 à 648" are carried by their first code.
* OHADA - SYSCOHADA révisé (Acte uniforme relatif au droit comptable et à l'information financière, 2017),
  classes 1 to 9. The upper-case titles of the official list are written in sentence case with their accents,
  and "T.V.A." is written "TVA".

Accounts added beyond the official lists
----------------------------------------
* FR 530 "Caisse": a terminal-zero global account, which art. 933-3 allows under its parent's label.
* BE 4110 "TVA à récupérer" and 4510 "TVA à payer": terminal-zero sub-accounts of 411 and 451.
* BE 610 to 615 and 619 under "61 Services et biens divers", which the PCMN leaves to each entity (it only names
  617 and 618): 610 Loyers et charges locatives (6100 Loyers, 6101 Charges locatives), 611 Entretien et
  réparations, 612 Fournitures faites à l'entreprise (6120 Eau, gaz, électricité et chauffage, 6121 Téléphone,
  internet et frais postaux, 6122 Fournitures de bureau, 6123 Petit matériel et matériel informatique non
  immobilisés, 6124 Logiciels, licences et abonnements informatiques), 613 Rétributions de tiers (6130
  Honoraires d'avocats, de notaires et d'experts, 6131 Honoraires de conseil et de consultance, 6132 Assurances
  non relatives au personnel, 6133 Formations et séminaires), 614 Publicité, annonces et relations publiques
  (6140 Publicité et annonces, 6141 Réceptions et frais de représentation), 615 Déplacements et transports (6150
  Voyages et déplacements, 6151 Transports de biens et frais de port), 619 Autres services et biens divers.
* BE ...8 "Plus-values actées" and ...9 "Amortissements (et réductions de valeur) actés" under the fixed-asset
  accounts of classes 20 to 26, following the PCMN's subdivision convention, so depreciation has an account.

Account types
-------------
Classes 6 and 7 are expense and revenue; OHADA class 8 (HAO) is expense for 81/83/85/87/89 and revenue for
82/84/86/88. Class 1 is equity for capital, reserves, results and subsidies (FR 10-14, BE 10-15 and 19, OHADA
10-15) and liability for provisions, borrowings and liaison accounts. Classes 2 and 3 are assets, amortisation and
depreciation accounts included (contra-assets). Class 4 follows each account's nature: customers and deductible
VAT are assets, suppliers and collected or payable VAT are liabilities, and the debit or credit counterparts
(suppliers in debit 409, customers in credit 419, accrued income ...7) take the other side. Class 5 is assets
except bank overdrafts (FR 519, OHADA 56). Off-balance-sheet and analytical accounts (FR class 8, BE class 0,
OHADA class 9) are typed equity: they come in self-balancing pairs, so one shared type makes every per-type total
ignore them, and they never reach the income statement. Suspense accounts (BE 499, OHADA 471) are liabilities.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from typing import Literal, cast, get_args

Country = Literal["FR", "BE", "OHADA"]
AccountType = Literal["asset", "liability", "equity", "revenue", "expense"]
VatKind = Literal["output", "input"]

JOURNALS: dict[str, str] = {"VE": "Ventes", "AC": "Achats", "BQ": "Banque", "OD": "Opérations diverses",
                            "AN": "À-nouveaux"}

_FILES: dict[str, str] = {"FR": "fr_pcg.json", "BE": "be_pcmn.json", "OHADA": "ohada_syscohada.json"}
_TYPES: frozenset[str] = frozenset(get_args(AccountType))


@dataclass(frozen=True)
class ChartAccount:
    """One account of an official chart."""

    code: str
    name: str
    type: AccountType
    account_class: int
    parent_code: str | None


@dataclass(frozen=True)
class VatRate:
    """A VAT rate in percent (``Decimal("20")`` for 20 %) and the account its tax is posted to."""

    rate: Decimal
    kind: VatKind
    account: str
    is_default: bool


def _rows(country: str) -> list[dict[str, str]]:
    if country not in _FILES:
        raise ValueError(f"unknown accounting country {country!r}")
    text = resources.files(__name__).joinpath(_FILES[country]).read_text(encoding="utf-8")
    rows: list[dict[str, str]] = json.loads(text)
    return rows


def _parent(code: str, codes: set[str]) -> str | None:
    # The closest shorter prefix present, not simply code[:-1]: the official lists skip levels (OHADA 2-digit
    # accounts sit directly above 4-digit ones when the 3-digit level is not listed, FR 29787 sits under 297).
    for length in range(len(code) - 1, 0, -1):
        if code[:length] in codes:
            return code[:length]
    return None


@functools.cache
def chart(country: Country) -> tuple[ChartAccount, ...]:
    """Every account of the country's chart, sorted by code."""
    rows = _rows(country)
    codes = {row["code"] for row in rows}
    accounts = []
    for row in rows:
        code, kind = row["code"], row["type"]
        # The data files are the single source of truth: a malformed row is a packaging error, caught here once.
        if not code.isdigit() or kind not in _TYPES:
            raise ValueError(f"{_FILES[country]}: malformed account {row!r}")
        accounts.append(ChartAccount(code=code, name=row["name"], type=cast(AccountType, kind),
                                     account_class=int(code[0]), parent_code=_parent(code, codes)))
    return tuple(sorted(accounts, key=lambda account: account.code))


# Where each posting key goes by default. The BE and OHADA columns are not the French codes: each account was
# chosen in its own chart (see the comments), and every code is checked against the chart by the tests.
_MAPPINGS: dict[str, dict[str, str]] = {
    "FR": {
        "client": "411", "supplier": "401", "bank": "512", "cash": "530", "check": "512", "card": "512",
        "vat_output": "44571", "vat_input": "44566",
        "revenue": "706", "revenue.service": "706", "revenue.product": "701",
        "opening_balance": "890",  # "Bilan d'ouverture", which art. 948-89 provides for reopening the accounts
        "expense.general": "618", "expense.office": "6064", "expense.travel": "6251", "expense.meals": "6257",
        "expense.transport": "6241",
        # The PCG has no 6116: software licences are "redevances pour ... solutions informatiques" (651), not
        # subcontracting (611), equipment rental (6135) or leasing (6122).
        "expense.software": "651",
        "expense.hardware": "6063", "expense.marketing": "6231", "expense.legal": "6226",
        "expense.insurance": "616", "expense.rent": "6132", "expense.utilities": "6061", "expense.telecom": "626",
        "expense.training": "6333", "expense.consulting": "6226", "expense.other": "658",
    },
    "BE": {
        "client": "400", "supplier": "440", "bank": "550", "cash": "570", "check": "550", "card": "550",
        "vat_output": "4510", "vat_input": "4110",
        # 700 "Ventes et prestations de services" covers goods and services alike; the PCMN has no split.
        "revenue": "700", "revenue.service": "700", "revenue.product": "700",
        # The PCMN has no class 8 and no opening-balance account: the contra of an opening entry is the
        # suspense account 499, which must be cleared, so an unbalanced import stays visible.
        "opening_balance": "499",
        # 618 is directors' remuneration in the PCMN, never general expenses: those go to 619 (added).
        "expense.general": "619", "expense.office": "6122", "expense.travel": "6150", "expense.meals": "6141",
        "expense.transport": "6151", "expense.software": "6124", "expense.hardware": "6123",
        "expense.marketing": "6140", "expense.legal": "6130", "expense.insurance": "6132", "expense.rent": "6100",
        "expense.utilities": "6120", "expense.telecom": "6121", "expense.training": "6133",
        "expense.consulting": "6131",
        "expense.other": "643",  # "Charges d'exploitation diverses" (643 à 648)
    },
    "OHADA": {
        "client": "411", "supplier": "401", "bank": "521", "cash": "571", "check": "513", "card": "521",
        "vat_output": "4431", "vat_input": "4452",
        "revenue": "706", "revenue.service": "706", "revenue.product": "702",
        # SYSCOHADA has no opening-balance account (class 8 is HAO, 11 is reserves): like BE, the contra is the
        # sundry debtors/creditors account, so an import that does not balance is not buried in equity.
        "opening_balance": "471",
        "expense.general": "638",
        "expense.office": "6055",  # "Fournitures de bureau non stockables" (6053 is "autres énergies")
        "expense.travel": "6181",  # "Voyages et déplacements" (6371 is temporary staff)
        "expense.meals": "6383",  # "Réceptions" (the chart has no 636)
        "expense.transport": "618",
        "expense.software": "6343",  # "Redevances pour logiciels", the software line of 634
        "expense.hardware": "6056",  # "Achats de petit matériel et outillage" (6054 is cleaning supplies)
        "expense.marketing": "627", "expense.legal": "6324", "expense.insurance": "625", "expense.rent": "6222",
        "expense.utilities": "6051",  # water; electricity is 6052 and other energies 6053
        "expense.telecom": "628", "expense.training": "633",
        # Consultants are not a regulated profession (6324): "Rémunérations des autres prestataires de services".
        "expense.consulting": "6327",
        "expense.other": "658",
    },
}

_RATES: dict[str, tuple[tuple[str, ...], str, str]] = {
    # country: (rates in percent, the default one first), output account, input account
    "FR": (("20", "10", "5.5", "2.1"), "44571", "44566"),
    "BE": (("21", "12", "6", "0"), "4510", "4110"),
    "OHADA": (("18", "19.25", "0"), "4431", "4452"),
}


def default_mappings(country: Country) -> dict[str, str]:
    """Posting key -> account code; a fresh dict the caller may change."""
    if country not in _MAPPINGS:
        raise ValueError(f"unknown accounting country {country!r}")
    return dict(_MAPPINGS[country])


def default_vat_rates(country: Country) -> tuple[VatRate, ...]:
    """The country's VAT rates, output then input, the standard rate of each kind being the default."""
    if country not in _RATES:
        raise ValueError(f"unknown accounting country {country!r}")
    rates, output_account, input_account = _RATES[country]
    sides: tuple[tuple[VatKind, str], ...] = (("output", output_account), ("input", input_account))
    return tuple(VatRate(rate=Decimal(rate), kind=kind, account=account, is_default=index == 0)
                 for kind, account in sides for index, rate in enumerate(rates))
