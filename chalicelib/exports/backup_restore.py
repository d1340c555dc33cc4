"""Restore of a backup document into an empty organization.

The whole document is checked first (422 ``invalid_backup`` naming each bad path; any version: version 1 is read
through ``backup_v1``): every part turns its records into store operations through its repository, and nothing is
written until all parts have. The target must hold no business data (409 ``organization_not_empty``). The source
organization's id is replaced by the target's everywhere. Files are written, then the items in all-or-nothing
batches that must not overwrite anything; a failure midway deletes what was written. The target takes the backup's
currency and time zone (the books and "today" depend on them); its name, members and keys stay.
"""

from __future__ import annotations

import logging
from typing import Any

from chalicelib.auth import repository as auth_repo
from chalicelib.auth.models import Organization
from chalicelib.core.errors import Conflict, DomainError, NotFound, Unavailable
from chalicelib.exports import backup_v1
from chalicelib.exports.backup_document import (
    Problems,
    Source,
    checked_source,
    rewritten,
    stats,
    unwrapped,
    version_of,
)
from chalicelib.exports.backup_parts import BY_NAME, KINDS, PARTS
from chalicelib.store.backup_parts import BadRecord, BlobFile, Restoration
from chalicelib.store.deps import Deps
from chalicelib.store.port import (
    MAX_TRANSACT_OPS,
    Check,
    ConditionFailed,
    Delete,
    ExpectedVersion,
    Increment,
    Operation,
    Put,
    StoreError,
    operation_key,
)

log = logging.getLogger("cashpilot.backup")


def require_organization(deps: Deps, org_id: str) -> Organization:
    org = auth_repo.get_organization(deps.store, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    return org


# --- checking: the document to operations ---------------------------------------------------------------------------


def _records(document: dict[str, Any], version: int, source: Source, problems: Problems) -> dict[str, Any]:
    if version == 1:
        return backup_v1.records_of(document, source, problems)
    records = document.get("records")
    if not isinstance(records, dict):
        problems.add("records", "must be an object mapping part names to records")
        return {}
    for name in records:
        if name not in BY_NAME:
            problems.add(f"records.{name}", "unknown part")
    return records


def _merged(ops: list[Operation]) -> list[Operation]:
    """Increments of one counter summed into one (a transaction touches an item once), checks dropped (they guard
    concurrent use cases; a restore writes an empty organization)."""
    increments: dict[tuple[str, str, str], Increment] = {}
    merged: list[Operation] = []
    for op in ops:
        if isinstance(op, Check):
            continue
        if isinstance(op, Increment):
            key = (op.pk, op.sk, op.attribute)
            first = increments.get(key)
            increments[key] = op if first is None else Increment(op.pk, op.sk, op.attribute, first.by + op.by,
                                                                 fields=first.fields)
            continue
        merged.append(op)
    return merged + [op for op in increments.values() if op.by]


def _keys_unique(ops: list[Operation], problems: Problems) -> None:
    seen: set[tuple[str, str]] = set()
    for op in ops:
        key = operation_key(op)
        if key in seen:
            problems.add("records", "two records claim the same identity (an id, a document number or a SKU)")
            return
        seen.add(key)


def _plan(document: Any, target: str) -> tuple[Source, dict[str, int], Restoration]:
    """The checked document as the writes restoring it into ``target``; ``ValidationFailed`` naming each bad path."""
    document = unwrapped(document)
    version = version_of(document)
    source = checked_source(document.get("organization"))
    problems = Problems()
    records = rewritten(_records(document, version, source, problems), source.org_id, target)
    plan = Restoration()
    for part in PARTS:
        if part.name not in records:
            continue
        try:
            restoration = part.restore(target, records[part.name])
        except BadRecord as exc:
            problems.add(f"records.{part.name}{exc.path}", exc.message)
            continue
        plan.operations += restoration.operations
        plan.files += restoration.files
    plan.operations = _merged(plan.operations)
    _keys_unique(plan.operations, problems)
    problems.raise_any()
    return source, stats({name: value for name, value in records.items() if name in BY_NAME}, KINDS), plan


# --- writing --------------------------------------------------------------------------------------------------------


def _require_empty(deps: Deps, org_id: str) -> None:
    for part in PARTS:
        if part.holds_data(deps, org_id):
            raise Conflict("the organization already holds data; restore into an empty organization",
                           code="organization_not_empty", details={"part": part.name})


def _organization_update(org: Organization, source: Source) -> Put | None:
    """The target organization rewritten with the backup's currency and time zone, when they differ."""
    if (org.currency, org.timezone) == (source.currency, source.timezone):
        return None
    updated = org.model_copy(update={"currency": source.currency, "timezone": source.timezone,
                                     "version": org.version + 1})
    return Put(auth_repo.put_organization(updated)[0].item, ExpectedVersion(org.version))


def _delete_items(deps: Deps, keys: list[tuple[str, str]]) -> None:
    for start in range(0, len(keys), MAX_TRANSACT_OPS):
        batch = keys[start:start + MAX_TRANSACT_OPS]
        try:
            deps.store.transact([Delete(pk, sk) for pk, sk in batch])
            continue
        except DomainError:
            log.warning("restore compensation: batch delete failed, deleting one by one", exc_info=True)
        for pk, sk in batch:
            try:
                deps.store.delete(pk, sk)
            except DomainError:
                log.exception("restore compensation could not delete an item; it is left behind")


def _delete_blobs(deps: Deps, keys: list[str]) -> None:
    for key in keys:
        try:
            deps.blobs.delete(key)
        except (DomainError, OSError):
            log.exception("restore compensation could not delete blob %s; it is left behind", key)


def _restore_error(exc: Exception) -> DomainError:
    if isinstance(exc, ConditionFailed):
        return Conflict("an item of the backup already exists in the organization; nothing was restored",
                        code="restore_conflict")
    if isinstance(exc, Unavailable):
        return Unavailable("the store is busy; nothing was restored, retry", code="restore_unavailable")
    return StoreError("the restore failed; nothing was restored", code="restore_failed")


def _write(deps: Deps, ops: list[Operation], files: list[BlobFile], org_update: Put | None) -> None:
    """Files, then operations in batches, then the organization; on any failure, undo what was written."""
    blobs: list[str] = []
    written: list[tuple[str, str]] = []
    try:
        for file in files:
            blobs.append(file.key)  # before the write: a failed upload may still leave a partial blob behind
            deps.blobs.put(file.key, file.data, file.content_type)
        for start in range(0, len(ops), MAX_TRANSACT_OPS):
            batch = ops[start:start + MAX_TRANSACT_OPS]
            deps.store.transact(batch)
            written += [operation_key(op) for op in batch]
        if org_update is not None:
            deps.store.transact([org_update])
    except Exception as exc:  # whatever failed, the organization must be left as it was
        log.exception("restore failed after %d items and %d files; removing them", len(written), len(blobs))
        _delete_items(deps, written)
        _delete_blobs(deps, blobs)
        raise _restore_error(exc) from exc


def restore(deps: Deps, org_id: str, document: Any) -> dict[str, Any]:
    """Restore a backup into organization ``org_id``, which must hold no business data. ``document`` is the
    document (version 1 or 2), the ``{"data": document}`` body ``GET /exports/backup`` answers, or the downloaded
    file's JSON.

    Returns ``{"restored": {part: records}, "files": n}``. Raises ``ValidationFailed`` (bad document),
    ``Conflict`` (``organization_not_empty``, ``restore_conflict``), ``Unavailable`` or ``StoreError``; after a
    failure the organization holds nothing of the document.
    """
    org = require_organization(deps, org_id)
    source, counts, plan = _plan(document, org_id)
    _require_empty(deps, org_id)
    _write(deps, plan.operations, plan.files, _organization_update(org, source))
    return {"restored": counts, "files": len(plan.files)}
