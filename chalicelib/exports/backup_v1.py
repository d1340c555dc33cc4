"""Reading version 1 backups: raw store items grouped in tables, as ``GET /exports/backup`` wrote them until the
format turned to domain records.

A version-1 document is turned into the records of version 2 and restored like one, so it never depends on
today's key formats: the storage attributes of each item are dropped and its domain fields kept; what version 2
rebuilds (counters, client reference counts, number markers, credit-note links, allocations, SKU claims, ledger
heads, line index and balances) is ignored; the outbox (``events``) is not restored. The key formats read here are
those of version 1 and must never follow later changes.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.exports.backup_document import Problems, Source

# Tables whose items are one domain record each, by the version-2 part that reads them.
_RECORD_TABLES = ("clients", "products", "projects", "quotes", "invoices", "credit_notes", "payments", "expenses")
# Tables version 2 rebuilds from the records (or, for the outbox, leaves out).
_DERIVED_TABLES = frozenset({"client_refs", "document_numbers", "credit_note_links", "payment_allocations",
                             "product_skus", "ledger_heads", "ledger_lines", "ledger_balances", "events"})
_OTHER_TABLES = frozenset({"company", "accounting_settings", "ledger_entries", "ledger_postings", "counters",
                           "other"})
TABLES = frozenset({*_RECORD_TABLES, *_DERIVED_TABLES, *_OTHER_TABLES})
_STORAGE_ATTRIBUTES = frozenset({"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "entity", "search_text"})
_SEQUENCE_SK = re.compile(r"COUNTER#([a-z_]+_number)#([0-9]{4})")
_POSTING_SK = "POSTED#"


def _domain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k not in _STORAGE_ATTRIBUTES}


def _checked_tables(value: Any, source: Source, problems: Problems) -> dict[str, list[dict[str, Any]]]:
    """The tables, each a list of items of the source organization without a ttl."""
    if not isinstance(value, dict):
        problems.add("tables", "must be an object mapping table names to lists of items")
        return {}
    owner = f"ORG#{source.org_id}"
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, items in value.items():
        if name not in TABLES or not isinstance(items, list):
            problems.add(f"tables.{name}", "unknown table" if name not in TABLES else "must be a list of items")
            continue
        for i, item in enumerate(items):
            pk = item.get("pk") if isinstance(item, dict) else None
            if not isinstance(pk, str) or not (pk == owner or pk.startswith(owner + "#")):
                problems.add(f"tables.{name}[{i}].pk", "must be a key of the backed-up organization")
            elif item.get("ttl") is not None:
                problems.add(f"tables.{name}[{i}].ttl", "expiring items are never restored")
        tables[name] = [item for item in items if isinstance(item, dict)]
    if tables.get("other"):
        problems.add("tables.other", "holds items no part of the organization reads")
    return tables


def _single(tables: dict[str, list[dict[str, Any]]], name: str, problems: Problems) -> dict[str, Any] | None:
    items = tables.get(name, [])
    if len(items) > 1:
        problems.add(f"tables.{name}", "holds more than one item")
    return _domain(items[0]) if items else None


def _expenses(tables: dict[str, list[dict[str, Any]]], files: Any, problems: Problems) -> list[dict[str, Any]]:
    """The expenses with their receipt file (version 1 kept files apart, by blob key)."""
    by_key: dict[str, dict[str, Any]] = {}
    if not isinstance(files, list):
        problems.add("files", "must be a list")
    else:
        for i, entry in enumerate(files):
            if not isinstance(entry, dict) or not isinstance(entry.get("key"), str):
                problems.add(f"files[{i}].key", "must be a blob key of the backed-up organization")
                continue
            by_key[entry["key"]] = {"content_type": entry.get("content_type"), "base64": entry.get("base64")}
    expenses = []
    for item in tables.get("expenses", []):
        expense = _domain(item)
        receipt = expense.get("receipt")
        key = receipt.get("blob_key") if isinstance(receipt, dict) else None
        if isinstance(key, str) and key in by_key:
            expense["receipt_file"] = by_key.pop(key)
        expenses.append(expense)
    for key in by_key:
        problems.add("files", f"{key} is the receipt of no expense")
    return expenses


def _sequences(tables: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    found = [(_SEQUENCE_SK.fullmatch(str(item.get("sk"))), item) for item in tables.get("counters", [])]
    return [{"sequence": match[1], "year": int(match[2]), "last": item.get("version")}
            for match, item in found if match is not None]


def _postings(tables: dict[str, list[dict[str, Any]]], problems: Problems) -> list[dict[str, Any]]:
    postings = []
    for i, item in enumerate(tables.get("ledger_postings", [])):
        source_type, _, source_id = str(item.get("sk")).removeprefix(_POSTING_SK).partition("#")
        if not str(item.get("sk")).startswith(_POSTING_SK) or not source_id:
            problems.add(f"tables.ledger_postings[{i}].sk", f"must be {_POSTING_SK}<source type>#<source id>")
            continue
        postings.append({"source_type": source_type, "source_id": source_id,
                         "fiscal_year": item.get("fiscal_year"), "number": item.get("number")})
    return postings


def records_of(document: dict[str, Any], source: Source, problems: Problems) -> dict[str, Any]:
    """The version-2 records of a version-1 document (problems found on the way are added to ``problems``)."""
    tables = _checked_tables(document.get("tables"), source, problems)
    records: dict[str, Any] = {name: [_domain(item) for item in tables.get(name, [])] for name in _RECORD_TABLES}
    records["expenses"] = _expenses(tables, document.get("files", []), problems)
    records["company"] = _single(tables, "company", problems)
    records["sequences"] = _sequences(tables)
    records["accounting"] = {"settings": _single(tables, "accounting_settings", problems),
                             "entries": [_domain(item) for item in tables.get("ledger_entries", [])],
                             "postings": _postings(tables, problems)}
    return records
