"""SQLite adapter of the storage port: the embedded engine for laptops and single servers.

One file in WAL mode; the layout of its rows (partition ids, sort keys, ``ttl``, the body as compact JSON) and
the partial indexes standing in for the two GSIs are ``chalicelib.store.sqlite_layout``'s. Every write runs in
``BEGIN IMMEDIATE`` so its conditions are evaluated and applied under the database write lock: the same
all-or-nothing semantics as DynamoDB's conditional writes and ``TransactWriteItems``. Expired items are filtered
on read, like DynamoDB before its TTL sweeper passes, and purged opportunistically.

SQLite has one writer at a time anyway, so use cases take turns instead of racing: ``writer()`` is held while a
use case reads, decides and commits (a re-entrant lock between the threads of a process, and an exclusive
``flock`` on ``<file>.writer`` between processes sharing the file, such as the server and a CLI command). A
use case therefore never meets a concurrent change; it waits, bounded by the SQLite busy timeout. Each write
transaction also takes a short lock of its own (always after the use-case turn, never before it, so the two cannot
deadlock): single writes such as rate-limit counters queue there, not behind whole use cases.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: threads of one process still take turns
    fcntl = None  # type: ignore[assignment]

from chalicelib.core.clock import Clock, SystemClock, epoch
from chalicelib.core.errors import Unavailable
from chalicelib.store import sqlite_layout as layout
from chalicelib.store.port import (
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Increment,
    IndexName,
    Item,
    Operation,
    Page,
    Put,
    StoreError,
    condition_holds,
    encode_cursor,
    is_expired,
    validate_item,
    validate_operations,
    validate_query,
)

_BUSY_TIMEOUT_MS = 15000
_WRITER_CACHE_KIB = 131072


class SqliteStore:
    """The storage port on one SQLite file; safe to share between threads (one connection per use)."""

    def __init__(self, path: Path | str, clock: Clock | None = None) -> None:
        self._path = str(path)
        self._clock = clock or SystemClock()
        self._idle: list[sqlite3.Connection] = []
        self._writing: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._writer_lock = threading.RLock()  # a use case's turn: read, decide, commit (re-entrant)
        self._transaction_lock = threading.Lock()  # one write transaction at a time in this process
        self._writer_depth = 0
        self._writer_file: int | None = None
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._parts = layout.Parts()
        with self.writer(), self._connection() as conn:
            conn.executescript(layout.SCHEMA)
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'items'").fetchone():
                with self._write() as tx:
                    layout.migrate(tx, self._parts)

    # -- connections ------------------------------------------------------------------------------------------

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self._path, isolation_level=None, check_same_thread=False, timeout=15)
        conn.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        return conn

    def _writing_connection(self) -> sqlite3.Connection:
        """The one connection write transactions use (they take turns anyway): its page cache is large enough for
        the indexes of big books, so a write finds the pages it changes in memory and posting does not slow down
        as the file grows, without every pooled reader keeping a cache that size."""
        if self._writing is None:
            self._writing = self._open()
            self._writing.execute(f"PRAGMA cache_size=-{_WRITER_CACHE_KIB}")
            # and the pages outside its cache through a memory map (readers have none: an export reading a year
            # would count the whole file in its memory)
            self._writing.execute("PRAGMA mmap_size=268435456")
        return self._writing

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            conn = self._idle.pop() if self._idle else None
        if conn is None:
            conn = self._open()
        try:
            yield conn
        finally:
            if conn.in_transaction:
                conn.rollback()
            with self._lock:
                self._idle.append(conn)

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        # Threads of this process queue on a lock of their own for each transaction rather than on SQLite's busy
        # handler, which sleeps and polls: a waiting thread starts the moment the lock is free. It is not the
        # use-case turn (``writer()``), so a single write (a rate-limit counter) never waits for a whole use case.
        # Other processes still meet SQLite's lock, bounded by the busy timeout.
        with self._transaction_lock:
            conn = self._writing_connection()
            try:
                conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise Unavailable("the store is busy; retry", code="store_busy") from exc
            try:
                yield conn
            except BaseException:
                conn.rollback()
                self._parts.committed(False)
                raise
            try:
                conn.commit()
            except sqlite3.Error as exc:
                conn.rollback()
                self._parts.committed(False)
                raise Unavailable("the store could not commit; retry", code="store_busy") from exc
            self._parts.committed(True)

    @contextmanager
    def writer(self) -> Iterator[None]:
        with self._writer_lock:  # held by one thread at a time, so the depth counter needs no other lock
            if self._writer_depth == 0:
                self._lock_file(True)
            self._writer_depth += 1
            try:
                yield
            finally:
                self._writer_depth -= 1
                if self._writer_depth == 0:
                    self._lock_file(False)

    def _lock_file(self, exclusive: bool) -> None:
        """Take turns with other processes using the same file (no-op where ``fcntl`` does not exist)."""
        if self._path == ":memory:" or fcntl is None:
            return
        if self._writer_file is None:
            self._writer_file = os.open(f"{self._path}.writer", os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._writer_file, fcntl.LOCK_EX if exclusive else fcntl.LOCK_UN)

    def _now(self) -> int:
        return epoch(self._clock.now())

    # -- reads ------------------------------------------------------------------------------------------------

    def _row(self, conn: sqlite3.Connection, pk: str, sk: str) -> tuple[object, ...] | None:
        part = self._parts.find(conn, pk)
        if part is None:
            return None
        row: tuple[object, ...] | None = conn.execute(
            f"SELECT {layout.COLUMNS} FROM rows WHERE p = ? AND sk = ?", (part, sk)).fetchone()
        return row

    def _read(self, conn: sqlite3.Connection, pk: str, sk: str) -> Item | None:
        row = self._row(conn, pk, sk)
        if row is None:
            return None
        item = layout.decode(conn, self._parts, row)
        return None if is_expired(item, self._now()) else item

    def get(self, pk: str, sk: str) -> Item | None:
        with self._guard(), self._connection() as conn:
            return self._read(conn, pk, sk)

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        by_partition: dict[str, list[str]] = {}
        for pk, sk in keys:
            by_partition.setdefault(pk, []).append(sk)
        found: dict[tuple[str, str], Item] = {}
        now = self._now()
        with self._guard(), self._connection() as conn:
            for pk, sks in by_partition.items():  # one statement per partition and 500 keys, not one per key
                part = self._parts.find(conn, pk)
                for first in range(0, len(sks) if part is not None else 0, 500):
                    chunk = sks[first:first + 500]
                    rows = conn.execute(f"SELECT {layout.COLUMNS} FROM rows WHERE p = ? AND sk IN"
                                        f" ({', '.join('?' for _ in chunk)})", [part, *chunk]).fetchall()
                    for row in rows:
                        item = layout.decode(conn, self._parts, row)
                        if not is_expired(item, now):
                            found[(pk, item["sk"])] = item
        return [found[key] for key in keys if key in found]

    def query(
        self,
        pk: str,
        *,
        index: IndexName | None = None,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        forward: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        validate_query(limit, prefix, start, end)
        pk_col, sort = layout.PARTITION[index], layout.SORT[index]
        position = layout.position(cursor, pk_col, pk) if cursor else None
        lower, upper = layout.bounds(prefix, start, end, position[0] if position else None, forward)
        clauses: list[str] = [f"{pk_col} = ?"]
        params: list[object] = []
        for bound in (lower, upper):
            if bound is not None:
                clauses.append(f"{sort} {bound[0]} ?")
                params.append(bound[1])
        if position is not None:
            clauses.append(f"({sort}, id) {'>' if forward else '<'} (?, ?)")
            params += [position[0], position[1]]
        clauses.append("(ttl IS NULL OR ttl > ?)")
        params.append(self._now())
        direction = "ASC" if forward else "DESC"
        sql = (f"SELECT {layout.COLUMNS} FROM rows WHERE {' AND '.join(clauses)}"
               f" ORDER BY {sort} {direction}, id {direction} LIMIT ?")
        params.append(limit + 1)
        with self._guard(), self._connection() as conn:
            part = self._parts.find(conn, pk)
            if part is None:
                return Page(items=[], next_cursor=None)
            rows = conn.execute(sql, [part, *params]).fetchall()
            items = [layout.decode(conn, self._parts, r) for r in rows[:limit]]
        next_cursor = None
        if len(rows) > limit:
            last = rows[limit - 1]
            sort_value = last[2] if index is None else (last[4 if index == "gsi1" else 6] or last[2])
            next_cursor = encode_cursor({pk_col: pk, "at": sort_value, "row": str(last[0])})
        return Page(items=items, next_cursor=next_cursor)

    # -- writes -----------------------------------------------------------------------------------------------

    def put(self, item: Item, condition: Condition | None = None) -> None:
        self.transact([Put(item, condition)], single=True)

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        self.transact([Delete(pk, sk, condition)], single=True)

    def increment(
        self,
        pk: str,
        sk: str,
        attribute: str,
        by: int = 1,
        *,
        at_most: int | None = None,
        at_least: int | None = None,
        ttl: int | None = None,
    ) -> int:
        op = Increment(pk, sk, attribute, by, at_most=at_most, at_least=at_least, ttl=ttl)
        with self._guard(), self._write() as conn:
            return self._apply_increment(conn, op, index=None)

    def transact(self, operations: Sequence[Operation], *, single: bool = False) -> None:
        validate_operations(operations)
        with self._guard(), self._write() as conn:
            for i, op in enumerate(operations):
                self._apply(conn, op, None if single else i)
            self._purge_some(conn)

    def _apply(self, conn: sqlite3.Connection, op: Operation, index: int | None) -> None:
        if isinstance(op, Increment):
            self._apply_increment(conn, op, index)
            return
        pk, sk = (op.item["pk"], op.item["sk"]) if isinstance(op, Put) else (op.pk, op.sk)
        if not condition_holds(op.condition, self._read(conn, pk, sk)):
            raise ConditionFailed(index=index)
        if isinstance(op, Put):
            self._write_item(conn, op.item)
        elif isinstance(op, Delete):
            part = self._parts.find(conn, pk)
            if part is not None:
                conn.execute("DELETE FROM rows WHERE p = ? AND sk = ?", (part, sk))
        elif not isinstance(op, Check):  # pragma: no cover - exhaustive over Operation
            raise TypeError(f"unknown operation {op!r}")

    def _apply_increment(self, conn: sqlite3.Connection, op: Increment, index: int | None) -> int:
        current = self._read(conn, op.pk, op.sk)
        value = (current or {}).get(op.attribute, 0) + op.by
        if (op.at_most is not None and value > op.at_most) or (op.at_least is not None and value < op.at_least):
            raise ConditionFailed("the counter's bound would be crossed", index=index)
        item = dict(current) if current else {"pk": op.pk, "sk": op.sk, **op.fields}
        if current is None:
            validate_item(item)
        item[op.attribute] = value
        for name, by in op.also:
            item[name] = int(item.get(name, 0)) + by
        if op.ttl is not None:
            item["ttl"] = op.ttl
        self._write_item(conn, item)
        return int(value)

    def _write_item(self, conn: sqlite3.Connection, item: Item) -> None:
        """Write an item already checked (``validate_operations``) or built here (a counter)."""
        # an upsert keeps the row id of an item written again (a counter, a new version), so its page stays put
        conn.execute(
            "INSERT INTO rows (p, sk, g1, g1sk, g2, g2sk, ttl, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (p, sk) DO UPDATE SET g1 = excluded.g1, g1sk = excluded.g1sk, g2 = excluded.g2,"
            " g2sk = excluded.g2sk, ttl = excluded.ttl, body = excluded.body",
            layout.encode(conn, self._parts, item),
        )

    def _purge_some(self, conn: sqlite3.Connection) -> None:
        # Bounded so a write never pays for a large backlog; expired items are invisible anyway.
        conn.execute(
            "DELETE FROM rows WHERE id IN (SELECT id FROM rows WHERE ttl IS NOT NULL AND ttl <= ? LIMIT 20)",
            (self._now(),),
        )

    @contextmanager
    def _guard(self) -> Iterator[None]:
        """Turn SQLite's own errors into port errors; domain errors pass through untouched."""
        try:
            yield
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise Unavailable("the store is busy; retry", code="store_busy") from exc
            raise StoreError("the store failed") from exc
        except sqlite3.Error as exc:
            raise StoreError("the store failed") from exc
