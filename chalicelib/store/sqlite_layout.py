"""How the SQLite adapter lays items out on disk, and the one-time move from the first layout.

An item is a row of ``rows``: an integer row id (rows are appended in id order, so table pages fill up instead of
splitting), the partition of the table and of each index as a small integer naming a ``parts`` row (a partition
name such as ``ORG#<uuid>#ACCOUNT#411000`` is stored once, not in every row and index entry), the sort keys, the
``ttl``, and the body: the item's other fields as compact JSON (the key fields live in their columns only), which
from ``COMPRESS_FROM`` bytes on is stored deflated against a preset dictionary of the field names and shapes the
stores hold (``body-dictionary-v1.txt``, frozen: a BLOB body starts with the version of the dictionary it needs), so
a journal entry's repeated key names cost almost nothing; shorter bodies stay plain text. An
index sort key equal to the table's sort key is stored as NULL and read through ``COALESCE`` (the index is built on
that expression), so the ledger's line index pays for its sort key once.

Indexes: ``(p, sk)`` unique (the primary key), ``(g1, COALESCE(g1sk, sk))`` and ``(g2, COALESCE(g2sk, sk))``
partial on rows that are in the index (ties are ordered by row id, which every SQLite index carries), ``ttl``.

The first layout (an ``items`` table WITHOUT ROWID holding the whole item as JSON, whose 1 KB rows spilled to
overflow pages) is moved to this one when a file is opened, in one transaction. The helpers at the end turn a
query's prefix, range and cursor into the bounds and the position a ``rows`` scan seeks to.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import zlib
from pathlib import Path
from typing import Any

from chalicelib.core.errors import BadRequest
from chalicelib.store.port import Item, decode_cursor, prefix_upper_bound

SCHEMA = """
CREATE TABLE IF NOT EXISTS parts (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS rows (
    id INTEGER PRIMARY KEY,
    p INTEGER NOT NULL,
    sk TEXT NOT NULL,
    g1 INTEGER, g1sk TEXT,
    g2 INTEGER, g2sk TEXT,
    ttl INTEGER,
    body NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS rows_key ON rows (p, sk);
CREATE INDEX IF NOT EXISTS rows_g1 ON rows (g1, COALESCE(g1sk, sk)) WHERE g1 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rows_g2 ON rows (g2, COALESCE(g2sk, sk)) WHERE g2 IS NOT NULL;
CREATE INDEX IF NOT EXISTS rows_ttl ON rows (ttl) WHERE ttl IS NOT NULL;
"""

COLUMNS = "id, p, sk, g1, g1sk, g2, g2sk, ttl, body"
KEY_COLUMNS = ("pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "ttl")
# the column holding the partition and the expression ordering a query of the table or of an index
PARTITION = {None: "p", "gsi1": "g1", "gsi2": "g2"}
SORT = {None: "sk", "gsi1": "COALESCE(g1sk, sk)", "gsi2": "COALESCE(g2sk, sk)"}
COMPRESS_FROM = 200
_DICTIONARY_V1 = 1


@functools.cache
def _dictionary(version: int) -> bytes:
    return (Path(__file__).with_name(f"body-dictionary-v{version}.txt")).read_bytes()


def pack(body: Item) -> str | bytes:
    text = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    if len(text) < COMPRESS_FROM:
        return text.decode()
    packer = zlib.compressobj(6, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, _dictionary(_DICTIONARY_V1))
    return bytes([_DICTIONARY_V1]) + packer.compress(text) + packer.flush()


def unpack(body: str | bytes) -> Item:
    if isinstance(body, str):
        item: Item = json.loads(body)
        return item
    unpacker = zlib.decompressobj(-15, _dictionary(body[0]))
    item = json.loads(unpacker.decompress(body[1:]) + unpacker.flush())
    return item


class Parts:
    """Partition names and their ids. Ids never change once committed, so they are cached for the process (up to
    ``CACHED`` of them, then the cache starts over: books have a partition per source document, and a long export
    must not keep them all); an id made by a transaction joins the cache only when that transaction commits."""

    CACHED = 20_000

    def __init__(self) -> None:
        self._ids: dict[str, int] = {}
        self._names: dict[int, str] = {}
        self._pending: dict[str, int] = {}

    def find(self, conn: sqlite3.Connection, name: str) -> int | None:
        """The id of an existing partition (``None``: nothing was ever stored in it)."""
        found = self._ids.get(name)
        if found is None:
            row = conn.execute("SELECT id FROM parts WHERE name = ?", (name,)).fetchone()
            if row is not None:
                found = self._remember(name, int(row[0]))
        return found

    def make(self, conn: sqlite3.Connection, name: str) -> int:
        """The id of a partition, created in the current write transaction when new."""
        found = self._pending.get(name) or self.find(conn, name)
        if found is None:
            found = int(conn.execute("INSERT INTO parts (name) VALUES (?) RETURNING id", (name,)).fetchone()[0])
            self._pending[name] = found
        return found

    def name(self, conn: sqlite3.Connection, part: int) -> str:
        known = self._names.get(part)
        if known is None:
            known = str(conn.execute("SELECT name FROM parts WHERE id = ?", (part,)).fetchone()[0])
            self._remember(known, part)
        return known

    def committed(self, done: bool) -> None:
        """The write transaction ended: keep its new ids when it committed, forget them when it rolled back."""
        if done:
            for name, part in self._pending.items():
                self._remember(name, part)
        self._pending.clear()

    def _remember(self, name: str, part: int) -> int:
        if len(self._ids) >= self.CACHED or len(self._names) >= self.CACHED:
            self._ids, self._names = {}, {}
        self._ids[name], self._names[part] = part, name
        return part


def encode(conn: sqlite3.Connection, parts: Parts, item: Item) -> tuple[Any, ...]:
    """The column values of ``item`` (``p, sk, g1, g1sk, g2, g2sk, ttl, body``)."""
    sk = item["sk"]
    body = {k: v for k, v in item.items() if k not in KEY_COLUMNS}
    g1 = parts.make(conn, item["gsi1pk"]) if item.get("gsi1pk") is not None else None
    g2 = parts.make(conn, item["gsi2pk"]) if item.get("gsi2pk") is not None else None
    return (parts.make(conn, item["pk"]), sk, g1, None if item.get("gsi1sk") == sk else item.get("gsi1sk"),
            g2, None if item.get("gsi2sk") == sk else item.get("gsi2sk"), item.get("ttl"), pack(body))


def decode(conn: sqlite3.Connection, parts: Parts, row: tuple[Any, ...]) -> Item:
    """The item of a ``rows`` row selected as ``COLUMNS``."""
    _, p, sk, g1, g1sk, g2, g2sk, ttl, body = row
    item: Item = {"pk": parts.name(conn, p), "sk": sk}
    if g1 is not None:
        item["gsi1pk"], item["gsi1sk"] = parts.name(conn, g1), g1sk if g1sk is not None else sk
    if g2 is not None:
        item["gsi2pk"], item["gsi2sk"] = parts.name(conn, g2), g2sk if g2sk is not None else sk
    if ttl is not None:
        item["ttl"] = ttl
    item.update(unpack(body))
    return item


def migrate(conn: sqlite3.Connection, parts: Parts) -> int:
    """Move the items of the first layout into ``rows`` (in the caller's write transaction); how many moved."""
    if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").fetchone() is None:
        return 0
    moved = 0
    for (body,) in conn.execute("SELECT body FROM items ORDER BY pk, sk"):
        conn.execute("INSERT INTO rows (p, sk, g1, g1sk, g2, g2sk, ttl, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     encode(conn, parts, json.loads(body)))
        moved += 1
    conn.execute("DROP TABLE items")
    return moved


# --- reading a range ------------------------------------------------------------------------------------------


Bound = tuple[str, str]  # (SQL operator, value)


def bounds(prefix: str | None, start: str | None, end: str | None, cursor_first: str | None,
           forward: bool) -> tuple[Bound | None, Bound | None]:
    """The range as one lower and one upper bound on the sort key. SQLite seeks with a single bound per side, so two
    (a prefix and a cursor) would make every page re-read the rows before the cursor; the cursor's sort value bounds
    the scan on its side (the row-value cursor condition stays, exact)."""
    lower: Bound | None = (">=", prefix) if prefix else None
    upper: Bound | None = ("<", prefix_upper_bound(prefix)) if prefix else None
    if start is not None and (lower is None or start > lower[1]):
        lower = (">=", start)
    if end is not None and (upper is None or end < upper[1] or (end == upper[1] and upper[0] == "<=")):
        upper = ("<=", end)
    if cursor_first is not None:
        if forward and (lower is None or cursor_first >= lower[1]):
            lower = (">=", cursor_first)
        elif not forward and (upper is None or cursor_first < upper[1]
                              or (cursor_first == upper[1] and upper[0] == "<=")):
            upper = ("<=", cursor_first)
    return lower, upper


def position(cursor: str, pk_col: str, pk: str) -> tuple[str, int]:
    """The (sort key, row id) a cursor resumes after; a cursor of another partition or listing is a 400."""
    found = decode_cursor(cursor, pk_field=pk_col, pk=pk, fields=("at", "row"))
    if not (found["row"].isascii() and found["row"].isdecimal()) or len(found["row"]) > 18:
        raise BadRequest("cursor is not one this API issued", code="invalid_cursor")
    return found["at"], int(found["row"])
