"""Setting up and configuring the books: ``init`` (chart, journals, mappings, VAT rates, and the posting of the
documents issued before it), and the settings an organization may change afterwards (lock date, mappings, rates).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

from chalicelib.billing.unit import commit, retrying
from chalicelib.core.container import Deps
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed, field_error
from chalicelib.core.money import rate_text
from chalicelib.core.pagination import all_items
from chalicelib.ledger import repository as repo
from chalicelib.ledger import rules
from chalicelib.ledger.accounts import accounts_of
from chalicelib.ledger.charts import chart, default_mappings, default_vat_rates
from chalicelib.ledger.models import (
    JOURNAL_NAMES,
    AccountingSettings,
    Country,
    InitResult,
    SettingsOut,
    SettingsPatch,
    VatRateSetting,
)
from chalicelib.ledger.posting import Draft, Posting
from chalicelib.ledger.state import books_in_use
from chalicelib.store.port import Check, ExpectedVersion, MustExist

COUNTRIES: tuple[Country, ...] = ("FR", "BE", "OHADA")


def _country(value: str | None, deps: Deps, org_id: str) -> Country:
    if value is None:
        from chalicelib.company.service import get_company

        return get_company(deps, org_id).accounting_country
    upper = value.strip().upper()
    if upper not in COUNTRIES:
        raise field_error("country", "must be FR, BE or OHADA")
    return upper


def _vat_rates(country: Country) -> list[VatRateSetting]:
    return [VatRateSetting(rate=r.rate, kind=r.kind, account=r.account, is_default=r.is_default)
            for r in default_vat_rates(country)]


def require_settings(deps: Deps, org_id: str) -> AccountingSettings:
    settings = repo.get_settings(deps.store, org_id)
    if settings is None:
        raise NotFound("accounting is not initialized; POST /api/v1/accounting/init with a country first",
                       code="accounting_not_initialized")
    return settings


def init_accounting(deps: Deps, org_id: str, country_value: str | None) -> tuple[InitResult, bool]:
    """Load the country's chart, journals, default mappings and VAT rates, then post the documents issued before.

    Returns the result and whether this call initialized the books (``False``: they already were, in that
    country). Switching country is refused once entries exist.
    """
    country = _country(country_value, deps, org_id)
    current = repo.get_settings(deps.store, org_id)
    if current is not None and current.country == country:
        posted = backfill(deps, org_id)  # completes an initialization interrupted before its end
        return _result(current, posted, already=True), False
    if current is not None and books_in_use(deps.store, org_id):
        raise Conflict(f"the books already hold entries in the {current.country} chart; the country cannot change",
                       code="books_in_use", details={"country": [f"is {current.country} and entries exist"]})
    now = deps.clock.now()
    settings = AccountingSettings(org_id=org_id, country=country, mappings=default_mappings(country),
                                  vat_rates=_vat_rates(country), initialized_at=now, updated_at=now,
                                  version=(current.version + 1) if current else 1)
    commit(deps.store, [(repo.put_settings(settings, current.version if current else None),
                         Conflict("accounting was initialized concurrently; read it again", code="concurrent_update"))])
    posted = backfill(deps, org_id)
    return _result(settings, posted, already=False), True


def _result(settings: AccountingSettings, posted: int, *, already: bool) -> InitResult:
    accounts = len(chart(settings.country))
    message = (f"accounting was already initialized for {settings.country}" if already else
               f"accounting initialized for {settings.country}: {accounts} accounts, journals "
               f"{', '.join(JOURNAL_NAMES)}, {len(settings.vat_rates)} VAT rates")
    return InitResult(initialized=True, already_initialized=already, country=settings.country,
                      accounts_loaded=accounts, journals=list(JOURNAL_NAMES), vat_rates=settings.vat_rates,
                      mappings=settings.mappings, documents_posted=posted, message=message)


# --- posting what existed before initialization -------------------------------------------------------------------


def _documents(deps: Deps, org_id: str) -> Iterator[tuple[dt.date, int, str, Any]]:
    """Every document that belongs in the books, with its date and a rank that orders same-day documents."""
    from chalicelib.billing.credit_notes import repository as notes_repo
    from chalicelib.billing.expenses import repository as expenses_repo
    from chalicelib.billing.invoices import repository as invoices_repo
    from chalicelib.billing.payments import repository as payments_repo

    every: Any = {"client_id": None, "start": None, "end": None, "limit": 500}  # the whole date range
    for item in all_items(lambda c: invoices_repo.query_by_date(deps.store, org_id, cursor=c, forward=True, **every)):
        invoice = invoices_repo.from_item(item)
        if invoice.status != "draft":
            yield invoice.date, 0, "invoice", invoice
    for item in all_items(lambda c: notes_repo.query_by_date(deps.store, org_id, cursor=c, **every)):
        note = notes_repo.from_item(item)
        yield note.date, 1, "credit_note", note
    for item in all_items(lambda c: payments_repo.query_by_date(deps.store, org_id, cursor=c, **every)):
        paid = payments_repo.from_item(item)
        yield paid.payment_date, 2, "payment", paid
    for item in all_items(lambda c: expenses_repo.query(deps.store, org_id, limit=500, cursor=c)):
        expense = expenses_repo.from_item(item)
        yield expense.expense_date, 3, "expense", expense


def backfill(deps: Deps, org_id: str) -> int:
    """Post every document not yet in the books (each in its own transaction, checked against the document's
    current version, so a change racing with it is either included or posts itself). Returns how many posted."""
    posted = 0
    for _, _, kind, document in sorted(_documents(deps, org_id), key=lambda d: (d[0], d[1], d[3].id)):
        if repo.get_marker(deps.store, org_id, kind, document.id) is not None:
            continue
        if kind in {"invoice", "credit_note"} and document.status == "cancelled" \
                and repo.entries_of_source(deps.store, org_id, document.id):
            continue  # posted and reversed already
        try:
            if retrying(deps.store, functools.partial(_post_existing, deps, org_id, kind, document.id)):
                posted += 1
        except Conflict as exc:
            if exc.code != "already_posted":
                raise
    return posted


def _fresh(deps: Deps, org_id: str, kind: str, document_id: str) -> Any:
    from chalicelib.billing.credit_notes import repository as notes_repo
    from chalicelib.billing.expenses import repository as expenses_repo
    from chalicelib.billing.invoices import repository as invoices_repo
    from chalicelib.billing.payments import repository as payments_repo

    getters = {"invoice": invoices_repo.get, "credit_note": notes_repo.get, "payment": payments_repo.get,
               "expense": expenses_repo.get}
    return getters[kind](deps.store, org_id, document_id)


def _post_existing(deps: Deps, org_id: str, kind: str, document_id: str) -> bool:
    """Post one document as it is now; ``False`` when it is gone or is a draft again."""
    document = _fresh(deps, org_id, kind, document_id)
    if document is None or getattr(document, "status", None) == "draft":
        return False
    builders: dict[str, Callable[[Any], Draft]] = {"invoice": rules.sale, "credit_note": rules.credit_note,
                                                   "payment": rules.payment, "expense": rules.purchase}
    posting = Posting.open(deps, org_id)
    if kind in {"invoice", "credit_note"} and document.status == "cancelled":
        # issued then cancelled before the books existed: the sale and its reversal, neither live any more
        entry = posting.post(builders[kind](document), live=False)
        if entry is not None:
            day = (document.cancelled_at or deps.clock.now()).date()
            posting.mirror(entry, event=f"{kind}.cancelled", day=day)
    else:
        posting.post(builders[kind](document))
    version = getattr(document, "version", None)
    key = {"invoice": "INVOICE#", "credit_note": "CREDITNOTE#", "payment": "PAYMENT#", "expense": "EXPENSE#"}[kind]
    guard = Check(f"ORG#{org_id}", key + document.id, ExpectedVersion(version) if version else MustExist())
    commit(deps.store, [*posting.steps(), (guard, None)])  # changed meanwhile: the next attempt reads it again
    return True


# --- settings ----------------------------------------------------------------------------------------------------


def settings_out(settings: AccountingSettings) -> SettingsOut:
    return SettingsOut(country=settings.country, lock_date=settings.lock_date, mappings=settings.mappings,
                       vat_rates=settings.vat_rates, journals=JOURNAL_NAMES, initialized_at=settings.initialized_at,
                       updated_at=settings.updated_at, version=settings.version)


def get_settings(deps: Deps, org_id: str) -> SettingsOut:
    return settings_out(require_settings(deps, org_id))


def update_settings(deps: Deps, org_id: str, patch: SettingsPatch) -> SettingsOut:
    current = require_settings(deps, org_id)
    codes = {account.code: account.type for account in accounts_of(deps.store, current)}
    changes: dict[str, Any] = {}
    if "lock_date" in patch.model_fields_set:
        if patch.lock_date is None or (current.lock_date and patch.lock_date < current.lock_date):
            raise field_error("lock_date", f"only moves forward (currently {current.lock_date})")
        changes["lock_date"] = patch.lock_date
    if patch.mappings:
        unknown = {key: code for key, code in patch.mappings.items() if code not in codes}
        if unknown:
            raise ValidationFailed("mappings must name accounts of the chart", code="invalid_mapping",
                                   details={f"mappings.{key}": [f"account {code} is not in the chart"]
                                            for key, code in unknown.items()})
        changes["mappings"] = {**current.mappings, **patch.mappings}
    if patch.vat_rates is not None:
        changes["vat_rates"] = _checked_rates(patch, codes)
    updated = current.model_copy(update={**changes, "updated_at": deps.clock.now(), "version": current.version + 1})
    commit(deps.store, [(repo.put_settings(updated, current.version),
                         Conflict("the settings changed concurrently; read them again", code="version_conflict"))])
    return settings_out(updated)


def _checked_rates(patch: SettingsPatch, codes: Mapping[str, str]) -> list[VatRateSetting]:
    rates = patch.vat_rates or []
    errors: dict[str, list[str]] = {}
    for n, rate in enumerate(rates):
        if rate.account not in codes:
            errors[f"vat_rates[{n}].account"] = [f"account {rate.account} is not in the chart"]
    for kind in ("output", "input"):
        defaults = [r for r in rates if r.kind == kind and r.is_default]
        if len(defaults) > 1:
            errors["vat_rates"] = [f"at most one default {kind} rate"]
    seen: set[tuple[Decimal, str]] = set()
    for rate in rates:
        if (rate.rate, rate.kind) in seen:
            errors["vat_rates"] = [f"rate {rate_text(rate.rate)} ({rate.kind}) is listed twice"]
        seen.add((rate.rate, rate.kind))
    if errors:
        raise ValidationFailed("invalid VAT rates", code="invalid_vat_rates", details=errors)
    return [VatRateSetting(**rate.model_dump()) for rate in rates]
