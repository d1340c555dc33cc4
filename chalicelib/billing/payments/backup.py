"""The payments' share of a backup: one record per payment with its allocations (the per-invoice allocation
items and the counter are rebuilt)."""

from __future__ import annotations

from chalicelib.billing.payments import repository as repo
from chalicelib.billing.payments.models import Payment
from chalicelib.store.backup_parts import PAGE, ModelPart

PART = ModelPart("payments", Payment, lambda store, org_id, cursor: repo.query_by_date(
    store, org_id, client_id=None, start=None, end=None, limit=PAGE, cursor=cursor), repo.from_item, repo.insert)
