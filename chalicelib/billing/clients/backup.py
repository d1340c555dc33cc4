"""The clients' share of a backup: one record per client (reference counts and ``meta.total`` are rebuilt)."""

from __future__ import annotations

from chalicelib.billing.clients import repository as repo
from chalicelib.billing.clients.models import Client
from chalicelib.store.backup_parts import PAGE, ModelPart

PART = ModelPart("clients", Client, lambda store, org_id, cursor: repo.query(store, org_id, "created_at", PAGE, cursor),
                 repo.from_item, repo.insert)
