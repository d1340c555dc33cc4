"""SAF-T inputs (company, accounts, parties, tax codes), the format's constants, and how amounts, rates and
texts are written."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.core.money import ZERO
from chalicelib.ledger.models import AccountType, Entry, VatKind

NS = "urn:OECD:StandardAuditFile-Taxation/2.00"
AUDIT_FILE_VERSION = "2.00"
CHUNK_BYTES = 64 * 1024
JOURNAL_TYPES = {"VE": "Sales", "AC": "Purchases", "BQ": "Bank", "OD": "General", "AN": "Opening"}
ACCOUNT_TYPES = {"asset": "Asset", "liability": "Liability", "equity": "Equity", "revenue": "Revenue",
                 "expense": "Expense"}
PAYMENT_METHODS = {"bank_transfer": "Transfer", "cash": "Cash", "check": "Cheque", "card": "Card", "other": "Other"}
CENT = Decimal("0.01")


@dataclass(frozen=True)
class SaftAddress:
    street: str = ""
    city: str = ""
    postal_code: str = ""
    region: str = ""
    country: str = ""  # ISO 3166-1 alpha-2; blank when unknown


@dataclass(frozen=True)
class SaftContact:
    """The person the auditor contacts: the schema wants a first and a last name."""

    first_name: str
    last_name: str
    telephone: str = ""
    email: str = ""


@dataclass(frozen=True)
class SaftCompany:
    """The company whose books are exported.

    Attributes:
        registration_number: SIREN, Belgian enterprise number, RCCM...
        vat_number: blank when the company has none (then no ``TaxRegistration``).
        country: ISO alpha-2 code of the ``AuditFileCountry``.
        currency: the books' currency (ISO 4217), written as ``DefaultCurrencyCode``.
        tax_type, tax_description: the VAT's name in the tax table and on tax lines (``TVA`` in FR, BE, OHADA).
        tax_accounting_basis: ``A`` (accounting data), as the schema's origin defines it.
    """

    name: str
    registration_number: str
    address: SaftAddress
    contact: SaftContact
    country: str
    currency: str
    vat_number: str = ""
    tax_type: str = "TVA"
    tax_description: str = "Taxe sur la valeur ajoutée"
    tax_accounting_basis: str = "A"


@dataclass(frozen=True)
class SaftAccount:
    """A general ledger account; ``opening``/``closing`` are its balances at the period's bounds, debit positive."""

    code: str
    name: str
    type: AccountType
    opening: Decimal = ZERO
    closing: Decimal = ZERO


@dataclass(frozen=True)
class SaftParty:
    """A customer or supplier.

    Attributes:
        id: the auxiliary account number its entry lines carry (``CustomerID``/``SupplierID``).
        account: its control account (411, 401...), which must be among the exported accounts.
        opening, closing: the auxiliary account's balances at the period's bounds, debit positive.
        billing_id: the id the billing documents use (``Invoice.client_id``, ``Payment.client_id``), if any.
    """

    id: str
    name: str
    account: str
    address: SaftAddress = SaftAddress()
    vat_number: str = ""
    registration_number: str = ""
    opening: Decimal = ZERO
    closing: Decimal = ZERO
    billing_id: str | None = None


@dataclass(frozen=True)
class SaftCustomer(SaftParty):
    pass


@dataclass(frozen=True)
class SaftSupplier(SaftParty):
    pass


@dataclass(frozen=True)
class SaftTaxCode:
    """A VAT code: its rate in percent and its kind. ``account`` (where its tax is posted: 44571, 44566...) is for
    the caller's reference; the schema has no place for it."""

    code: str
    rate: Decimal
    kind: VatKind
    account: str
    description: str
    country: str
    standard_code: str = ""


def tax_code_name(kind: VatKind, rate: Decimal) -> str:
    """A readable code for a VAT rate: ``TVA-C-20`` (collected, output), ``TVA-D-5.5`` (deductible, input)."""
    return f"TVA-{'C' if kind == 'output' else 'D'}-{number_text(rate)}"


def transaction_id(entry: Entry) -> str:
    return f"{entry.fiscal_year:%Y%m%d}-{entry.number}"




def money_text(value: Decimal) -> str:
    """``1234.5`` -> ``"1234.50"``; refuses an amount finer than the cent rather than rounding it."""
    cents = value.quantize(CENT)
    if cents != value:
        raise ValueError(f"{value} has more than 2 decimals")
    return f"{cents:f}"


def number_text(value: Decimal) -> str:
    """A rate or quantity without trailing zeros: ``20.00`` -> ``"20"``, ``5.50`` -> ``"5.5"``."""
    return f"{value.normalize():f}"


def trimmed(value: str | None, limit: int) -> str:
    """One line of printable text, at most ``limit`` characters (the schema's length for the element)."""
    if not value:
        return ""
    if value.isprintable():  # the usual case: no line break, tab or control character
        return value.strip()[:limit]
    flat = " ".join(value.split())
    return "".join(c for c in flat if c.isprintable())[:limit]
