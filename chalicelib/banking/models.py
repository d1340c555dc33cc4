"""Banking models: bank accounts, statement imports (the preview), bank transactions, alerts and their settings.

Amounts of a bank transaction are signed from the account holder's side (> 0 money in). IBAN and BIC are checked
with schwifty and stored compact, upper case. Write models forbid unknown fields.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AfterValidator, Base64Bytes, BeforeValidator, ConfigDict, Field, model_validator

from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import Model, QueryModel, RequestModel
from chalicelib.core.money import Amount, Money, PositiveAmount
from chalicelib.core.validators import Currency, OptText, blank_to_none
from chalicelib.store.pagination import PageQuery

TransactionStatus = Literal["unmatched", "matched", "ignored"]
STATUSES: tuple[str, ...] = ("unmatched", "matched", "ignored")
ImportStatus = Literal["parsed", "confirming", "confirmed", "discarded"]
Severity = Literal["info", "warning", "critical"]
AlertKind = Literal["low_balance", "large_expense", "overdue_invoice"]


def check_iban(value: str) -> str:
    from schwifty import IBAN  # lazy: schwifty's registry costs ~80 ms, loaded by the first account written
    from schwifty.exceptions import SchwiftyException

    try:
        return str(IBAN(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"not a valid IBAN ({exc})") from exc


def check_bic(value: str) -> str:
    from schwifty import BIC
    from schwifty.exceptions import SchwiftyException

    try:
        return str(BIC(value).compact)
    except SchwiftyException as exc:
        raise ValueError(f"not a valid BIC ({exc})") from exc


def check_ledger_account(value: str) -> str:
    if not (value.isdigit() and value.startswith("5") and 3 <= len(value) <= 10):
        raise ValueError("a financial account of class 5: 3 to 10 digits starting with 5 (512, 5121, 550...)")
    return value


_Blank = BeforeValidator(blank_to_none)
Iban = Annotated[str, AfterValidator(check_iban)]
OptBic = Annotated[Annotated[str, AfterValidator(check_bic)] | None, _Blank]
LedgerAccount = Annotated[str, AfterValidator(check_ledger_account)]


class BankAccountFields(RequestModel):
    name: str = Field(min_length=1, max_length=100, description="Name shown in lists (\"Compte courant BNP\").")
    iban: Iban = Field(description="IBAN (spaces allowed); one account per IBAN in an organization.")
    bic: OptBic = Field(default=None, description="BIC / SWIFT code.")
    bank_name: OptText = Field(default=None, max_length=100)
    currency: Currency = Field(default="EUR", description="ISO 4217 code of the account.")
    opening_balance: Amount = Field(default=Decimal("0"), description="Balance on `opening_date`, before any "
                                                                      "imported transaction.")
    opening_date: dt.date | None = Field(default=None, description="Day of the opening balance (default: today).")
    ledger_account: LedgerAccount | None = Field(
        default=None, description="Account of the books the transactions post to; default: the chart's bank "
                                  "account (512 in France, 550 in Belgium, 521 in the OHADA zone).")


class BankAccountCreate(BankAccountFields):
    """Body of ``POST /bank/accounts``."""


class BankAccountPatch(RequestModel):
    """Body of ``PATCH /bank/accounts/{id}``: only the fields sent change. The IBAN and currency are fixed once
    transactions are booked on the account."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    iban: Iban | None = None
    bic: OptBic = None
    bank_name: OptText = Field(default=None, max_length=100)
    currency: Currency | None = None
    opening_balance: Amount | None = None
    opening_date: dt.date | None = None
    ledger_account: LedgerAccount | None = None


class BankAccountOut(Model):
    id: str
    name: str
    iban: str
    bic: str | None = None
    bank_name: str | None = None
    currency: str
    opening_balance: Money
    opening_date: dt.date
    ledger_account: str
    balance: Money = Field(description="Opening balance plus every booked transaction.")
    transaction_count: int = 0
    last_transaction_date: dt.date | None = None
    created_at: dt.datetime
    updated_at: dt.datetime


class BankAccount(Model):
    """The stored account (its running totals live in their own counter item, see the repository)."""

    model_config = ConfigDict(extra="ignore")

    id: str
    org_id: str
    name: str
    iban: str
    bic: str | None = None
    bank_name: str | None = None
    currency: str
    opening_balance: Decimal
    opening_date: dt.date
    ledger_account: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int = 1


class CurrencyTotal(Model):
    currency: str
    balance: Money
    accounts: int


class BankAccountList(Model):
    accounts: list[BankAccountOut]
    totals: list[CurrencyTotal] = Field(description="Total balance per currency over every account.")


# --- transactions ---------------------------------------------------------------------------------------------


class MatchLink(Model):
    kind: Literal["invoice", "expense"]
    id: str
    number: str | None = None
    amount: Money


class BankTransactionOut(Model):
    id: str
    account_id: str
    import_id: str | None = None
    booking_date: dt.date
    value_date: dt.date | None = None
    amount: Money = Field(description="Signed: > 0 money in (credit), < 0 money out (debit).")
    currency: str
    label: str
    counterparty: str | None = None
    reference: str | None = None
    bank_ref: str | None = None
    dedupe_key: str
    status: TransactionStatus
    matched: list[MatchLink] = Field(default_factory=list)
    payment_id: str | None = None
    match_score: int | None = None
    matched_by: Literal["auto", "manual"] | None = None
    ignored_account: str | None = None
    ignore_reason: str | None = None
    created_at: dt.datetime


class BankTransaction(BankTransactionOut):
    model_config = ConfigDict(extra="ignore")

    org_id: str
    entry_source: str | None = None  # the source id of the entry an ignore posted (reversed on unmatch)
    version: int = 1


class TransactionListQuery(PageQuery):
    account_id: str | None = Field(default=None, max_length=64)
    status: TransactionStatus | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    search: str | None = Field(default=None, max_length=100, description="Words of the label, counterparty or "
                                                                         "reference (accents and case ignored).")


class MatchRequest(RequestModel):
    """Body of ``POST /bank/transactions/{id}/match``: the invoices a credit pays (with the amount of each, default
    what it still owes up to the transaction's amount), or the expense a debit paid."""

    invoice_ids: list[str] | None = Field(default=None, min_length=1, max_length=20)
    amounts: list[PositiveAmount] | None = Field(default=None, min_length=1, max_length=20,
                                                 description="Amount per invoice, in the order of `invoice_ids`.")
    expense_id: str | None = Field(default=None, min_length=1, max_length=64)

    @model_validator(mode="after")
    def _one_target(self) -> MatchRequest:
        if bool(self.invoice_ids) == bool(self.expense_id):
            raise FieldValueError("invoice_ids", "give invoice_ids or expense_id (one of them)")
        if self.amounts is not None and (not self.invoice_ids or len(self.amounts) != len(self.invoice_ids)):
            raise FieldValueError("amounts", "one amount per invoice of invoice_ids")
        if self.invoice_ids and len(set(self.invoice_ids)) != len(self.invoice_ids):
            raise FieldValueError("invoice_ids", "an invoice appears twice")
        return self


class IgnoreRequest(RequestModel):
    """Body of ``POST /bank/transactions/{id}/ignore``: optionally the account of the books to post it to (bank
    fees 627, interest 768...), which posts a BQ entry against the bank account."""

    ledger_account: Annotated[str, AfterValidator(lambda v: _digits(v))] | None = Field(
        default=None, description="Account code of the chart (3 to 10 digits) to post the transaction to.")
    reason: OptText = Field(default=None, max_length=200)


def _digits(value: str) -> str:
    if not (value.isdigit() and 3 <= len(value) <= 10) or value.startswith("5"):
        raise ValueError("an account code of 3 to 10 digits outside class 5 (627 bank fees, 768 interest...)")
    return value


class ScoreOut(Model):
    amount: int
    date: int
    reference: int
    name: int
    total: int


class SuggestionOut(Model):
    kind: Literal["invoice", "expense"]
    documents: list[MatchLink]
    transaction_ids: list[str]
    score: ScoreOut
    auto: bool = Field(description="Whether the score reaches the automatic threshold (70).")


class ReconciliationResult(Model):
    auto_matched: int
    suggested: int
    left: int
    matches: list[SuggestionOut] = Field(description="The automatic matches made by this run.")
    suggestions: list[SuggestionOut] = Field(description="Suggestions (score 50 to 69) to confirm by hand.")


class SuggestionQuery(QueryModel):
    limit: int = Field(default=10, ge=1, le=50, description="How many candidates, best first.")


# --- imports --------------------------------------------------------------------------------------------------


class ImportQuery(QueryModel):
    filename: str | None = Field(default=None, max_length=255, description="Name of the file (its extension helps "
                                                                           "to recognise the format).")
    account_id: str | None = Field(default=None, max_length=64, description="Bank account to book to (default: "
                                                                            "the account with the file's IBAN).")


class StatementUploadBody(RequestModel):
    """The JSON form of the statement upload."""

    filename: str | None = Field(default=None, max_length=255)
    content_base64: Base64Bytes = Field(description="The file, base64-encoded.")


class PreviewRow(Model):
    booking_date: dt.date
    value_date: dt.date | None = None
    amount: Money
    label: str
    counterparty: str | None = None
    reference: str | None = None
    duplicate: bool = False


class ImportOut(Model):
    id: str
    status: ImportStatus
    format: str
    filename: str | None = None
    size: int
    account_id: str | None = None
    iban: str | None = None
    currency: str | None = None
    period_start: dt.date | None = None
    period_end: dt.date | None = None
    opening_balance: Money | None = None
    closing_balance: Money | None = None
    transaction_count: int
    duplicates: int = Field(description="Transactions already booked (same bank reference, or same date, amount "
                                        "and label): confirming books the others only.")
    to_book: int
    credits: Money
    debits: Money
    rows: list[PreviewRow] = Field(description="The first 20 transactions.")
    warnings: list[str]
    booked: int = 0
    created_at: dt.datetime
    confirmed_at: dt.datetime | None = None


class StatementImport(ImportOut):
    model_config = ConfigDict(extra="ignore")

    org_id: str
    blob_key: str
    version: int = 1


# --- alerts ---------------------------------------------------------------------------------------------------


class AlertSettings(RequestModel):
    """Thresholds of the bank alerts (``PUT /bank/alert-settings`` replaces them)."""

    low_balance: PositiveAmount = Field(default=Decimal("1000"), description="Warning under this balance; "
                                                                             "critical under 0.")
    large_expense: PositiveAmount = Field(default=Decimal("5000"), description="A debit above this amount within "
                                                                               "the last 7 days.")
    overdue_warning_days: int = Field(default=14, ge=1, le=365, description="Overdue invoices: info, warning after "
                                                                           "this many days, critical after "
                                                                           "`overdue_critical_days`.")
    overdue_critical_days: int = Field(default=30, ge=1, le=730)

    @model_validator(mode="after")
    def _order(self) -> AlertSettings:
        if self.overdue_critical_days < self.overdue_warning_days:
            raise FieldValueError("overdue_critical_days", "must not be less than overdue_warning_days")
        return self


class AlertOut(Model):
    id: str
    kind: AlertKind
    severity: Severity
    message: str
    account_id: str | None = None
    transaction_id: str | None = None
    invoice_id: str | None = None
    amount: Money | None = None
    currency: str | None = None
    raised_on: dt.date
    created_at: dt.datetime


class AlertQuery(PageQuery):
    kind: AlertKind | None = None
    severity: Severity | None = None
