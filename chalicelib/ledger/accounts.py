"""The organization's chart of accounts: the official chart of its accounting country, as loaded by init."""

from __future__ import annotations

from chalicelib.ledger.charts import ChartAccount, chart
from chalicelib.ledger.models import AccountingSettings
from chalicelib.store.port import Store


def accounts_of(store: Store, settings: AccountingSettings) -> tuple[ChartAccount, ...]:
    """Every account of the organization's chart, by code."""
    del store  # the chart is the country's official one; organization-specific accounts would be read here
    return chart(settings.country)


def account_names(store: Store, settings: AccountingSettings) -> dict[str, str]:
    return {account.code: account.name for account in accounts_of(store, settings)}


def account_types(store: Store, settings: AccountingSettings) -> dict[str, str]:
    return {account.code: account.type for account in accounts_of(store, settings)}
