"""The quotes' share of a backup: one record per quote, lines included (number markers, counters and the client's
reference count are rebuilt)."""

from __future__ import annotations

from chalicelib.billing.numbering import QUOTES
from chalicelib.billing.quotes import repository as repo
from chalicelib.billing.quotes.models import Quote
from chalicelib.store.backup_parts import PAGE, ModelPart
from chalicelib.store.port import Operation


def _insert(quote: Quote) -> list[Operation]:
    marker = [QUOTES.reserve(quote.org_id, quote.quote_number, quote.id)] if quote.quote_number else []
    return repo.insert(quote) + marker


PART = ModelPart("quotes", Quote, lambda store, org_id, cursor: repo.query_by_date(
    store, org_id, client_id=None, start=None, end=None, limit=PAGE, cursor=cursor), repo.from_item, _insert)
