"""The credit notes' share of a backup: one record per credit note (its link to the invoice, number marker,
counter and the client's reference count are rebuilt)."""

from __future__ import annotations

from chalicelib.billing.credit_notes import repository as repo
from chalicelib.billing.credit_notes.models import CreditNote
from chalicelib.store.backup_parts import PAGE, ModelPart

PART = ModelPart("credit_notes", CreditNote, lambda store, org_id, cursor: repo.query_by_date(
    store, org_id, client_id=None, start=None, end=None, limit=PAGE, cursor=cursor), repo.from_item, repo.insert)
