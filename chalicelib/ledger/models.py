"""The books' data: accounting settings, journal entries and their lines, and the shapes of the accounting routes.

An *entry* (écriture) is the unit of posting: a journal, a date, a piece reference, balanced lines, a number that
is continuous within its fiscal year, the moment it was validated, and its link in the fiscal year's hash chain.
Posted entries are never changed or deleted; a correction is another entry.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import ConfigDict, Field

from chalicelib.core.models import Model, QueryModel, RequestModel
from chalicelib.core.money import Money
from chalicelib.store.pagination import PageQuery

Country = Literal["FR", "BE", "OHADA"]
Journal = Literal["VE", "AC", "BQ", "OD", "AN"]
VatKind = Literal["output", "input"]
AccountType = Literal["asset", "liability", "equity", "revenue", "expense"]
JOURNAL_NAMES: dict[str, str] = {"VE": "Ventes", "AC": "Achats", "BQ": "Banque", "OD": "Opérations diverses",
                                 "AN": "À-nouveaux"}


class VatRateSetting(Model):
    """One VAT rate of the organization, in percent (20 for 20 %), and the account its tax is posted to."""

    rate: Decimal
    kind: VatKind
    account: str
    is_default: bool = False


class AccountingSettings(Model):
    """What ``POST /accounting/init`` set up, and what the organization changed since."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    country: Country
    mappings: dict[str, str]
    vat_rates: list[VatRateSetting]
    lock_date: dt.date | None = None
    initialized_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1


class EntryLine(Model):
    """One line of an entry: exactly one of ``debit`` and ``credit`` is positive.

    ``vat_rate``/``vat_kind`` mark the tax lines (and the base lines of that rate), so VAT can be summed by rate from
    the books themselves.
    """

    line_no: int
    account: str
    account_name: str
    aux_account: str | None = None
    aux_name: str | None = None
    label: str
    debit: Decimal = Decimal("0")
    credit: Decimal = Decimal("0")
    vat_rate: Decimal | None = None
    vat_kind: VatKind | None = None
    vat_base: Decimal | None = None


class Entry(Model):
    """A posted entry. ``fiscal_year`` is the first day of its fiscal year; ``number`` runs 1, 2, 3... within it."""

    model_config = ConfigDict(extra="ignore")

    id: str
    org_id: str
    fiscal_year: dt.date
    fiscal_year_end: dt.date
    number: int
    journal: Journal
    entry_date: dt.date
    piece_ref: str
    piece_date: dt.date
    label: str
    currency: str
    validated_at: dt.datetime
    source_type: str
    source_id: str
    event: str
    reverses: str | None = None
    lines: list[EntryLine]
    prev_hash: str
    hash: str

    @property
    def total_debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), Decimal("0"))

    @property
    def total_credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), Decimal("0"))


class ChartAccountOut(Model):
    account_code: str
    account_name: str
    account_type: AccountType
    account_category: AccountType = Field(description="Same as `account_type` (the filter `category` applies to it).")
    account_class: int
    parent_code: str | None = None


class EntryRow(Model):
    """One line of the journal as listed by ``/accounting/entries`` (an entry's lines share its number)."""

    id: str
    entry_id: str
    entry_number: str
    fiscal_year: dt.date
    journal_code: Journal
    journal_name: str
    transaction_date: dt.date
    account_code: str
    account_name: str
    aux_account: str | None = None
    aux_name: str | None = None
    debit: Money
    credit: Money
    currency: str = Field(description="The books' currency (ISO 4217).")
    description: str
    reference: str
    piece_date: dt.date
    source_type: str
    source_id: str
    validated_at: dt.datetime


# --- requests and reports -----------------------------------------------------------------------------------------


class InitRequest(RequestModel):
    country: str | None = Field(default=None, description="FR, BE or OHADA (case-insensitive). Default: the company "
                                                            "profile's accounting country.")


class InitResult(Model):
    initialized: bool
    already_initialized: bool = False
    country: Country
    accounts_loaded: int
    journals: list[str]
    vat_rates: list[VatRateSetting]
    mappings: dict[str, str]
    documents_posted: int = Field(0, description="Documents issued before initialization, posted by it.")
    message: str


class SettingsOut(Model):
    country: Country
    lock_date: dt.date | None
    mappings: dict[str, str]
    vat_rates: list[VatRateSetting]
    journals: dict[str, str]
    initialized_at: dt.datetime
    updated_at: dt.datetime
    version: int


class VatRateIn(RequestModel):
    rate: Decimal = Field(ge=0, le=100, decimal_places=3, description="Percent (20 for 20 %).")
    kind: VatKind
    account: str = Field(min_length=3, max_length=20, pattern=r"^[0-9]+$")
    is_default: bool = False


class SettingsPatch(RequestModel):
    lock_date: dt.date | None = Field(default=None, description="Nothing can be posted on or before this day. It "
                                                                 "only moves forward.")
    mappings: dict[str, str] | None = Field(default=None, description="Posting keys to account codes, merged into "
                                                                       "the current mappings.")
    vat_rates: list[VatRateIn] | None = Field(default=None, max_length=50, description="Replaces every VAT rate.")


class ChartQuery(QueryModel):
    category: AccountType | None = Field(default=None, description="asset, liability, equity, revenue or expense.")
    account_class: int | None = Field(default=None, alias="class", ge=0, le=9)


class EntriesQuery(PageQuery):
    limit: int = Field(default=100, ge=1, le=500, description="Lines per page, at most 500.")
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    account_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9]+$")
    journal: Journal | None = None
    order: Literal["asc", "desc"] = "desc"


class TrialBalanceQuery(QueryModel):
    date: dt.date | None = Field(default=None, description="Cut-off day, included. Default: today.")
    start_date: dt.date | None = Field(default=None, description="Only movements from this day (a period balance).")


class PeriodQuery(QueryModel):
    start_date: dt.date
    end_date: dt.date


class OptionalPeriodQuery(QueryModel):
    start_date: dt.date | None = Field(default=None, description="Default: the start of the current fiscal year.")
    end_date: dt.date | None = Field(default=None, description="Default: today.")


class DateQuery(QueryModel):
    date: dt.date | None = Field(default=None, description="Default: today.")


class AccountBalance(Model):
    account_code: str
    account_name: str
    account_type: AccountType | None
    total_debit: Money
    total_credit: Money
    balance: Money


class TrialBalance(Model):
    accounts: list[AccountBalance]
    total_debit: Money
    total_credit: Money
    balanced: bool
    cutoff_date: dt.date
    start_date: dt.date | None = None
    currency: str


class RateSummary(Model):
    rate: Decimal
    output_base: Money
    output_vat: Money
    input_base: Money
    input_vat: Money


class TaxSummary(Model):
    period: dict[str, dt.date]
    currency: str
    revenue_ht: Money
    output_vat: Money
    total_expenses: Money
    estimated_input_vat: Money = Field(description="Deductible VAT from the input VAT accounts (exact, not an "
                                                     "estimate; the name is kept for compatibility).")
    vat_payable: Money
    tva_collected: Money
    tva_deductible: Money
    tva_due: Money
    vat_credit: Money = Field(description="Deductible VAT exceeding collected VAT (a credit to carry forward).")
    invoice_count: int
    credit_note_count: int
    expense_count: int
    by_rate: list[RateSummary]
    tax_rates: list[VatRateSetting]


class LedgerLine(Model):
    entry_id: str
    entry_number: str
    journal_code: Journal
    date: dt.date
    reference: str
    description: str
    aux_account: str | None = None
    debit: Money
    credit: Money
    balance: Money


class GeneralLedger(Model):
    account_code: str
    account_name: str
    account_type: AccountType | None
    start_date: dt.date
    end_date: dt.date
    opening_balance: Money
    total_debit: Money
    total_credit: Money
    closing_balance: Money
    currency: str = Field(description="The books' currency (ISO 4217).")
    lines: list[LedgerLine]
    next_cursor: str | None = None


class StatementSection(Model):
    total: Money
    accounts: list[AccountBalance]


class IncomeStatement(Model):
    start_date: dt.date
    end_date: dt.date
    currency: str
    revenue: StatementSection
    expenses: StatementSection
    net_income: Money


class BalanceSheet(Model):
    date: dt.date
    currency: str
    assets: StatementSection
    liabilities: StatementSection
    equity: StatementSection
    current_result: Money = Field(description="Revenue minus expenses not yet closed into equity.")
    total_assets: Money
    total_liabilities_and_equity: Money
    balanced: bool


class ChainBreak(Model):
    fiscal_year: dt.date
    number: int
    reason: str


class FiscalYearCheck(Model):
    fiscal_year: dt.date
    fiscal_year_end: dt.date
    entries: int
    last_number: int
    last_hash: str
    valid: bool


class Verification(Model):
    valid: bool
    checked_entries: int
    fiscal_years: list[FiscalYearCheck]
    first_break: ChainBreak | None
    verified_at: dt.datetime
