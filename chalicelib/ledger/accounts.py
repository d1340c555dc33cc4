"""The organization's chart of accounts: the official chart of its accounting country, as loaded by init."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType

from chalicelib.ledger.charts import ChartAccount, Country, chart
from chalicelib.ledger.models import AccountingSettings
from chalicelib.store.port import Store


def accounts_of(store: Store, settings: AccountingSettings) -> tuple[ChartAccount, ...]:
    """Every account of the organization's chart, by code."""
    del store  # the chart is the country's official one; organization-specific accounts would be read here
    return chart(settings.country)


def account_names(store: Store, settings: AccountingSettings) -> Mapping[str, str]:
    """Code → label of the organization's chart (built once per country: every posting reads it)."""
    del store
    return _names(settings.country)


@functools.cache
def _names(country: Country) -> Mapping[str, str]:
    return MappingProxyType({account.code: account.name for account in chart(country)})
