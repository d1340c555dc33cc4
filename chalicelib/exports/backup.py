"""Backup and restore of one organization's business data.

A backup is one JSON document (``format`` ``cashpilot-backup``, ``version`` 1) holding every business item of the
organization *with its keys*, grouped in tables, and the expense receipts embedded in base64. No store operation
scans, so the organization's partitions are enumerated explicitly:

| partition                        | holds                                            | table                     |
|----------------------------------|--------------------------------------------------|---------------------------|
| ``ORG#<org>``                    | documents, counters, markers, profile, settings  | by ``entity``, see below  |
| ``ORG#<org>#EVENTS``             | the outbox                                       | ``events``                |
| ``ORG#<org>#LEDGERHEADS``        | fiscal-year heads                                | ``ledger_heads``          |
| ``ORG#<org>#LEDGER#<fy start>``  | entries of each head's fiscal year               | ``ledger_entries``        |
| ``ORG#<org>#BALANCES``           | balance buckets                                  | ``ledger_balances``       |
| ``ORG#<org>#ACCOUNT#<code>``     | line index of each account found in the buckets  | ``ledger_lines``          |

Items of ``ORG#<org>`` go to the table of their ``entity`` (``ENTITY_TABLES``); those without one to ``counters``
(sort key ``COUNTER#``), ``client_refs`` (``CLIENTREFS#``) or ``other``.

Left out, and refused by a restore so that a document can never grant access: the organization item (``ORG``),
memberships (``MEMBER#``), API-key pointers (``APIKEY#``) and their counter, the outbox's events about
organizations, users and keys, every item with a ``ttl``, idempotency records and rate-limit windows.

A restore checks the whole document before writing anything (422 naming the path), refuses a target that holds
business data (409 ``organization_not_empty``), replaces the source organization id by the target's in every key
and string (ids are UUIDs, so a plain replace is exact), writes the files, then the items in all-or-nothing
batches that must not overwrite anything. A failure midway deletes what was written. The ledger's hash chain
excludes the organization id, so restored books still verify. The target takes the backup's currency and time
zone (the books and "today" depend on them); its name, members and keys stay.
"""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from chalicelib.auth import repository as auth_repo
from chalicelib.auth.models import Organization
from chalicelib.core.clock import iso
from chalicelib.core.errors import Conflict, DomainError, NotFound, Unavailable, ValidationFailed
from chalicelib.core.ids import is_uuid
from chalicelib.core.serialization import dumps
from chalicelib.ledger.state import books_in_use, heads_pk
from chalicelib.store.blobs import check_key
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import (
    MAX_TRANSACT_OPS,
    ConditionFailed,
    Delete,
    ExpectedVersion,
    Item,
    MustNotExist,
    Put,
    StoreError,
    validate_item,
)

log = logging.getLogger("cashpilot.backup")

FORMAT = "cashpilot-backup"
VERSION = 1
DOWNLOAD_SECONDS = 3600
ENTITY_TABLES = {
    "client": "clients", "invoice": "invoices", "quote": "quotes", "credit_note": "credit_notes",
    "invoice_credit_note": "credit_note_links", "payment": "payments", "allocation": "payment_allocations",
    "expense": "expenses", "product": "products", "product_sku": "product_skus", "project": "projects",
    "counter": "counters", "document_number": "document_numbers", "company": "company",
    "accounting_settings": "accounting_settings", "ledger_posting": "ledger_postings",
}
_SORT_KEY_TABLES = (("COUNTER#", "counters"), ("CLIENTREFS#", "client_refs"))
_PARTITION_TABLES = {"EVENTS": "events", "LEDGERHEADS": "ledger_heads", "BALANCES": "ledger_balances"}
_PARTITION_PREFIX_TABLES = (("LEDGER#", "ledger_entries"), ("ACCOUNT#", "ledger_lines"))
TABLES = tuple(sorted({*ENTITY_TABLES.values(), *_PARTITION_TABLES.values(), "ledger_entries", "ledger_lines",
                       "client_refs", "other"}))
_MAIN = "main"
_ACCESS_SORT_KEYS = frozenset({"ORG", "COUNTER#api_keys"})
_ACCESS_SORT_KEY_PREFIXES = ("MEMBER#", "APIKEY#")
_ACCESS_EVENT_ENTITIES = frozenset({"organization", "user", "membership", "api_key"})
_CURRENCY = re.compile(r"[A-Z]{3}")
_MAX_PROBLEMS = 20


# --- which items a backup holds -------------------------------------------------------------------------------------


def _partition_table(pk: str, org_id: str) -> str | None:
    """``main`` for the organization's own partition, the table of a dedicated partition, else ``None``."""
    base = f"ORG#{org_id}"
    if pk == base:
        return _MAIN
    rest = pk[len(base) + 1:] if pk.startswith(base + "#") else ""
    if rest in _PARTITION_TABLES:
        return _PARTITION_TABLES[rest]
    return next((t for p, t in _PARTITION_PREFIX_TABLES if rest.startswith(p) and len(rest) > len(p)), None)


def _main_table(item: Item) -> str | None:
    sk = str(item.get("sk"))
    if sk in _ACCESS_SORT_KEYS or sk.startswith(_ACCESS_SORT_KEY_PREFIXES):
        return None
    entity = item.get("entity")
    if isinstance(entity, str) and entity in ENTITY_TABLES:
        return ENTITY_TABLES[entity]
    return next((t for p, t in _SORT_KEY_TABLES if sk.startswith(p)), "other")


def table_of(item: Item, org_id: str) -> str | None:
    """The backup table of an item of organization ``org_id``, or ``None`` when backups leave it out."""
    table = _partition_table(str(item.get("pk")), org_id)
    if table is None or item.get("ttl") is not None:
        return None
    if table == _MAIN:
        return _main_table(item)
    # An event item's ``entity`` is the entity the event is about (the event's own field wins over "event").
    if table == "events" and item.get("entity") in _ACCESS_EVENT_ENTITIES:
        return None
    return table


# --- backup ---------------------------------------------------------------------------------------------------------


def _partition(deps: Deps, pk: str) -> Iterator[Item]:
    return all_items(lambda cursor: deps.store.query(pk, limit=1000, cursor=cursor))


def _org_items(deps: Deps, org_id: str) -> Iterator[Item]:
    base = f"ORG#{org_id}"
    yield from _partition(deps, base)
    yield from _partition(deps, f"{base}#EVENTS")
    heads = list(_partition(deps, heads_pk(org_id)))
    yield from heads
    for head in heads:
        yield from _partition(deps, f"{base}#LEDGER#{head['fiscal_year']}")
    balances = list(_partition(deps, f"{base}#BALANCES"))
    yield from balances
    for account in sorted({str(b["account"]) for b in balances if b.get("account")}):
        yield from _partition(deps, f"{base}#ACCOUNT#{account}")


def _tables(deps: Deps, org_id: str) -> dict[str, list[Item]]:
    tables: dict[str, list[Item]] = {name: [] for name in TABLES}
    for item in _org_items(deps, org_id):
        table = table_of(item, org_id)
        if table is not None:
            tables[table].append(item)
    return tables


def _files(deps: Deps, org_id: str, expenses: list[Item]) -> tuple[list[dict[str, str]], list[str]]:
    """The receipts the expenses point to, embedded; and the keys of those the blob store no longer has."""
    files: list[dict[str, str]] = []
    missing: list[str] = []
    for expense in expenses:
        receipt = expense.get("receipt")
        if not isinstance(receipt, dict):
            continue
        key = receipt.get("blob_key")
        if not isinstance(key, str) or not key.startswith(f"org/{org_id}/"):
            continue
        try:
            data = deps.blobs.get(key)
        except NotFound:
            log.warning("receipt %s of an expense is missing from the blob store", key)
            missing.append(key)
            continue
        except OSError as exc:
            raise StoreError("the blob store failed while reading a receipt", code="backup_failed") from exc
        files.append({"key": key, "content_type": str(receipt.get("content_type") or "application/octet-stream"),
                      "base64": base64.b64encode(data).decode("ascii")})
    return files, missing


def _require_organization(deps: Deps, org_id: str) -> Organization:
    org = auth_repo.get_organization(deps.store, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    return org


def _document(deps: Deps, org_id: str, now: datetime) -> dict[str, Any]:
    org = _require_organization(deps, org_id)
    tables = _tables(deps, org_id)
    files, missing = _files(deps, org_id, tables["expenses"])
    return {"format": FORMAT, "version": VERSION, "exported_at": iso(now),
            "organization": {"id": org.id, "name": org.name, "currency": org.currency, "timezone": org.timezone},
            "stats": {name: len(items) for name, items in tables.items()}, "tables": tables, "files": files,
            "missing_files": missing}


def backup(deps: Deps, org_id: str) -> dict[str, Any]:
    """The backup document of an organization (see the module docstring)."""
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
    return {"exported_at": document["exported_at"], "stats": document["stats"], "size": len(data),
            "download_url": deps.blobs.url(key, DOWNLOAD_SECONDS), "blob_key": key}


# --- restore: checking the document ---------------------------------------------------------------------------------


def _invalid(path: str, message: str, code: str = "invalid_backup") -> ValidationFailed:
    return ValidationFailed(f"the backup is invalid at {path}: {message}", code=code, details={path: [message]})


@dataclass
class _Problems:
    """What is wrong with a document, by path (the first ``_MAX_PROBLEMS`` paths)."""

    found: dict[str, list[str]] = field(default_factory=dict)

    def add(self, path: str, message: str) -> None:
        if path in self.found or len(self.found) < _MAX_PROBLEMS:
            self.found.setdefault(path, []).append(message)

    def raise_any(self) -> None:
        if self.found:
            path, messages = next(iter(self.found.items()))
            raise ValidationFailed(f"the backup is invalid at {path}: {messages[0]}", code="invalid_backup",
                                   details=self.found)


@dataclass(frozen=True)
class _Plan:
    """A checked document: what to write, still under the source organization's id."""

    source: str
    currency: str
    timezone: str
    tables: dict[str, list[Item]]
    files: list[tuple[str, str, bytes]]


def _is_zone(value: str) -> bool:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _checked_organization(value: Any) -> tuple[str, str, str]:
    if not isinstance(value, dict):
        raise _invalid("organization", "must be an object")
    org_id, currency, timezone = value.get("id"), value.get("currency"), value.get("timezone")
    if not isinstance(org_id, str) or not is_uuid(org_id):
        raise _invalid("organization.id", "must be the UUID of the backed-up organization")
    if not isinstance(currency, str) or not _CURRENCY.fullmatch(currency):
        raise _invalid("organization.currency", "must be an ISO 4217 currency code")
    if not isinstance(timezone, str) or not _is_zone(timezone):
        raise _invalid("organization.timezone", "must be an IANA time zone")
    return org_id, currency, timezone


def _item_problem(item: Any, table: str, source: str) -> tuple[str, str] | None:
    """(path suffix, message) of the first thing wrong with an item, or ``None``."""
    if not isinstance(item, dict):
        return "", "must be an object"
    for key in ("pk", "sk"):
        if not isinstance(item.get(key), str) or not item[key]:
            return f".{key}", "must be a non-empty string"
    owner = f"ORG#{source}"
    for key in ("pk", "gsi1pk", "gsi2pk"):
        value = item.get(key)
        if value is not None and not (isinstance(value, str) and (value == owner or value.startswith(owner + "#"))):
            return f".{key}", "must be a key of the backed-up organization"
    if item.get("ttl") is not None:
        return ".ttl", "expiring items are never restored"
    expected = table_of(item, source)
    if expected is None:
        return ".sk", "access-control items and unknown partitions are never restored"
    if expected != table:
        return "", f"belongs to table {expected!r}"
    try:
        validate_item(item)
    except (ValueError, TypeError) as exc:
        return "", str(exc)
    return None


def _checked_tables(value: Any, source: str, problems: _Problems) -> dict[str, list[Item]]:
    if not isinstance(value, dict):
        problems.add("tables", "must be an object mapping table names to lists of items")
        return {}
    seen: dict[tuple[str, str], str] = {}
    tables: dict[str, list[Item]] = {}
    for name, items in value.items():
        if name not in TABLES or not isinstance(items, list):
            problems.add(f"tables.{name}", "unknown table" if name not in TABLES else "must be a list of items")
            continue
        for i, item in enumerate(items):
            path = f"tables.{name}[{i}]"
            if (problem := _item_problem(item, name, source)) is not None:
                problems.add(path + problem[0], problem[1])
            elif (twin := seen.setdefault((item["pk"], item["sk"]), path)) != path:
                problems.add(path, f"has the same keys as {twin}")
        tables[name] = items
    return tables


def _file_problem(entry: Any, source: str) -> tuple[str, str] | None:
    if not isinstance(entry, dict):
        return "", "must be an object"
    key = entry.get("key")
    if not isinstance(key, str) or not key.startswith(f"org/{source}/"):
        return ".key", "must be a blob key of the backed-up organization"
    try:
        check_key(key)
    except ValueError:
        return ".key", "is not a valid blob key"
    if not isinstance(entry.get("content_type"), str) or not entry["content_type"]:
        return ".content_type", "must be a non-empty string"
    if not isinstance(entry.get("base64"), str):
        return ".base64", "must be a base64 string"
    return None


def _checked_files(value: Any, source: str, problems: _Problems) -> list[tuple[str, str, bytes]]:
    if not isinstance(value, list):
        problems.add("files", "must be a list")
        return []
    files: list[tuple[str, str, bytes]] = []
    for i, entry in enumerate(value):
        if (problem := _file_problem(entry, source)) is not None:
            problems.add(f"files[{i}]{problem[0]}", problem[1])
            continue
        try:
            data = base64.b64decode(entry["base64"], validate=True)
        except (binascii.Error, ValueError):
            problems.add(f"files[{i}].base64", "is not valid base64")
            continue
        files.append((entry["key"], entry["content_type"], data))
    return files


def _checked(document: Any) -> _Plan:
    """The document's content once every part is checked; ``ValidationFailed`` naming each bad path."""
    if not isinstance(document, dict):
        raise _invalid("document", "a backup is a JSON object")
    if document.get("format") != FORMAT:
        raise _invalid("format", f"must be {FORMAT!r}", code="unsupported_backup")
    if type(document.get("version")) is not int or document["version"] != VERSION:
        raise _invalid("version", f"must be {VERSION}", code="unsupported_backup")
    source, currency, timezone = _checked_organization(document.get("organization"))
    problems = _Problems()
    tables = _checked_tables(document.get("tables"), source, problems)
    files = _checked_files(document.get("files", []), source, problems)
    problems.raise_any()
    return _Plan(source=source, currency=currency, timezone=timezone, tables=tables, files=files)


# --- restore: writing -----------------------------------------------------------------------------------------------


def _require_empty(deps: Deps, org_id: str) -> None:
    for item in _partition(deps, f"ORG#{org_id}"):
        if (table := table_of(item, org_id)) is not None:
            raise Conflict("the organization already holds data; restore into an empty organization",
                           code="organization_not_empty", details={"table": table})
    if books_in_use(deps.store, org_id):
        raise Conflict("the organization's books already hold entries; restore into an empty organization",
                       code="organization_not_empty", details={"table": "ledger_heads"})


def _rewrite(value: Any, source: str, target: str) -> Any:
    if isinstance(value, str):
        return value.replace(source, target)
    if isinstance(value, dict):
        return {_rewrite(k, source, target): _rewrite(v, source, target) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite(v, source, target) for v in value]
    return value


def _organization_update(org: Organization, currency: str, timezone: str) -> Put | None:
    """The target organization rewritten with the backup's currency and time zone, when they differ."""
    if (org.currency, org.timezone) == (currency, timezone):
        return None
    updated = org.model_copy(update={"currency": currency, "timezone": timezone, "version": org.version + 1})
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


def _write(deps: Deps, items: list[Item], files: list[tuple[str, str, bytes]], org_update: Put | None) -> None:
    """Files, then items in batches, then the organization; on any failure, undo what was written."""
    blobs: list[str] = []
    written: list[tuple[str, str]] = []
    try:
        for key, content_type, data in files:
            blobs.append(key)  # before the write: a failed upload may still leave a partial blob behind
            deps.blobs.put(key, data, content_type)
        for start in range(0, len(items), MAX_TRANSACT_OPS):
            batch = items[start:start + MAX_TRANSACT_OPS]
            deps.store.transact([Put(item, MustNotExist()) for item in batch])
            written += [(item["pk"], item["sk"]) for item in batch]
        if org_update is not None:
            deps.store.transact([org_update])
    except Exception as exc:  # whatever failed, the organization must be left as it was
        log.exception("restore failed after %d items and %d files; removing them", len(written), len(blobs))
        _delete_items(deps, written)
        _delete_blobs(deps, blobs)
        raise _restore_error(exc) from exc


def restore(deps: Deps, org_id: str, document: Any) -> dict[str, Any]:
    """Restore a backup document into organization ``org_id``, which must hold no business data.

    Returns ``{"restored": {table: count}, "files": n}``. Raises ``ValidationFailed`` (bad document),
    ``Conflict`` (``organization_not_empty``, ``restore_conflict``), ``Unavailable`` or ``StoreError``; after a
    failure the organization holds nothing of the document.
    """
    plan = _checked(document)
    org = _require_organization(deps, org_id)
    _require_empty(deps, org_id)
    items = [_rewrite(item, plan.source, org_id) for table in plan.tables.values() for item in table]
    files = [(_rewrite(key, plan.source, org_id), content_type, data) for key, content_type, data in plan.files]
    _write(deps, items, files, _organization_update(org, plan.currency, plan.timezone))
    return {"restored": {name: len(table) for name, table in plan.tables.items()}, "files": len(files)}
