"""Backup of one organization's business data, and the entry point of its restore.

A backup is one JSON document of *domain records* (see ``backup_document``), independent of how the store lays
items out: each context writes its own part (``backup_parts``), and a restore re-creates the store items through
each context's repository (``backup_restore``). Expense receipts are embedded in base64.

Left out, so that a document can never grant access: the organization item, memberships, API keys, the outbox,
idempotency records and rate-limit windows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chalicelib.core.clock import iso
from chalicelib.core.serialization import dumps
from chalicelib.exports.backup_document import FORMAT, VERSION, stats
from chalicelib.exports.backup_parts import KINDS, PARTS
from chalicelib.exports.backup_restore import require_organization, restore
from chalicelib.store.deps import Deps
from chalicelib.store.port import StoreError

__all__ = ["backup", "restore", "write_backup"]

DOWNLOAD_SECONDS = 3600


def _document(deps: Deps, org_id: str, now: datetime) -> dict[str, Any]:
    org = require_organization(deps, org_id)
    records = {part.name: part.export(deps, org_id) for part in PARTS}
    return {"format": FORMAT, "version": VERSION, "created_at": iso(now),
            "organization": {"id": org.id, "name": org.name, "currency": org.currency, "timezone": org.timezone},
            "stats": stats(records, KINDS), "records": records}


def backup(deps: Deps, org_id: str) -> dict[str, Any]:
    """The backup document of an organization (see ``backup_document``)."""
    return _document(deps, org_id, deps.clock.now())


def write_backup(deps: Deps, org_id: str, *, inline_limit: int = 4_000_000) -> dict[str, Any]:
    """The answer of ``GET /exports/backup``: the document itself when its JSON is at most ``inline_limit`` bytes,
    else the document stored in the blob store and a time-limited link to it."""
    now = deps.clock.now()
    document = _document(deps, org_id, now)
    data = dumps(document).encode()
    if len(data) <= inline_limit:
        return document
    key = f"org/{org_id}/backups/{now:%Y%m%dT%H%M%S}-{deps.new_id()}.json"
    try:
        deps.blobs.put(key, data, "application/json")
    except OSError as exc:
        raise StoreError("the blob store failed while storing the backup", code="backup_failed") from exc
    return {"created_at": document["created_at"], "stats": document["stats"], "size": len(data),
            "download_url": deps.blobs.url(key, DOWNLOAD_SECONDS), "blob_key": key}
