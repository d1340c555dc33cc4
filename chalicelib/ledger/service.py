"""Setting up and configuring the books: opening them (chart, journals, mappings, VAT rates; the posting of the
documents issued before is ``chalicelib.bookkeeping.init``'s), and the settings an organization may change afterwards
(lock date, mappings, rates).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from chalicelib.company.service import get_company
from chalicelib.core.errors import Conflict, NotFound, ValidationFailed, field_error
from chalicelib.core.money import rate_text
from chalicelib.ledger import lines
from chalicelib.ledger import repository as repo
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
from chalicelib.ledger.state import books_in_use
from chalicelib.store.deps import Deps
from chalicelib.store.unit import commit

COUNTRIES: tuple[Country, ...] = ("FR", "BE", "OHADA")


def _country(value: str | None, deps: Deps, org_id: str) -> Country:
    if value is None:
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


def set_up_books(deps: Deps, org_id: str, country_value: str | None) -> tuple[AccountingSettings, bool]:
    """Load the country's chart, journals, default mappings and VAT rates (the country defaults to the company's).

    Returns the settings and whether this call initialized the books (``False``: they already were, in that
    country). Switching country is refused once entries exist. Posting the documents issued before is
    ``chalicelib.bookkeeping.init``'s part.
    """
    country = _country(country_value, deps, org_id)
    current = repo.get_settings(deps.store, org_id)
    if current is not None and current.country == country:
        return current, False
    if current is not None and books_in_use(deps.store, org_id):
        raise Conflict(f"the books already hold entries in the {current.country} chart; the country cannot change",
                       code="books_in_use", details={"country": [f"is {current.country} and entries exist"]})
    now = deps.clock.now()
    settings = AccountingSettings(org_id=org_id, country=country, mappings=default_mappings(country),
                                  vat_rates=_vat_rates(country), initialized_at=now, updated_at=now,
                                  version=(current.version + 1) if current else 1)
    steps = [(repo.put_settings(settings, current.version if current else None),
              Conflict("accounting was initialized concurrently; read it again", code="concurrent_update"))]
    # the books hold no entry yet, so their line counts are exact from here on
    commit(deps.store, [*steps, (lines.counted_mark(org_id), None)])
    return settings, True


def init_result(settings: AccountingSettings, posted: int, *, already: bool) -> InitResult:
    accounts = len(chart(settings.country))
    message = (f"accounting was already initialized for {settings.country}" if already else
               f"accounting initialized for {settings.country}: {accounts} accounts, journals "
               f"{', '.join(JOURNAL_NAMES)}, {len(settings.vat_rates)} VAT rates")
    return InitResult(initialized=True, already_initialized=already, country=settings.country,
                      accounts_loaded=accounts, journals=list(JOURNAL_NAMES), vat_rates=settings.vat_rates,
                      mappings=settings.mappings, documents_posted=posted, message=message)


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
