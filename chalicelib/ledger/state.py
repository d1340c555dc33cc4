"""Whether an organization's books hold entries: once they do, the settings the entries depend on (books
currency, fiscal-year start, accounting country) are frozen.

Key format: one head item per fiscal year with entries, pk=``ORG#<org>#LEDGERHEADS``, sk=``<fiscal-year start>``.
"""

from __future__ import annotations

from chalicelib.store.port import Store


def heads_pk(org_id: str) -> str:
    return f"ORG#{org_id}#LEDGERHEADS"


def books_in_use(store: Store, org_id: str) -> bool:
    """Whether any entry was ever posted for the organization."""
    return bool(store.query(heads_pk(org_id), limit=1).items)
