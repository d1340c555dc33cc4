"""The SQLite file's layout: compact rows that read back exactly, index ties paged by row id, partitions created
by a rolled-back transaction forgotten, and files of the first layout moved on open."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chalicelib.core.clock import FixedClock
from chalicelib.store.port import ConditionFailed, MustNotExist, Put
from chalicelib.store.sqlite import SqliteStore
from tests.conftest import unique

_FIRST_LAYOUT = """
CREATE TABLE items (
    pk TEXT NOT NULL, sk TEXT NOT NULL, gsi1pk TEXT, gsi1sk TEXT, gsi2pk TEXT, gsi2sk TEXT, ttl INTEGER,
    body TEXT NOT NULL, PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
"""


def _long_item(pk: str, sk: str) -> dict[str, object]:
    return {"pk": pk, "sk": sk, "gsi1pk": f"{pk}#BY", "gsi1sk": sk, "entity": "sample", "label": "Café « crème » ✓",
            "lines": [{"line_no": n, "label": f"Ligne {n}", "debit": "12.50", "credit": "0", "vat_rate": None}
                      for n in range(1, 12)], "count": 7, "flag": True, "nothing": None}


def test_a_long_item_is_stored_deflated_and_reads_back_exactly(tmp_path: Path, clock: FixedClock) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", clock=clock)
    pk = unique("ORG")
    item = _long_item(pk, "A#1")
    store.put(item)
    assert store.get(pk, "A#1") == item
    assert store.query(f"{pk}#BY", index="gsi1").items == [item]
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        (body,) = conn.execute("SELECT body FROM rows WHERE sk = 'A#1'").fetchone()
    assert isinstance(body, bytes)
    assert len(body) < len(json.dumps(item)) / 2


def test_a_short_item_is_stored_as_plain_json_without_its_keys(tmp_path: Path, clock: FixedClock) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", clock=clock)
    pk = unique("ORG")
    store.put({"pk": pk, "sk": "C#1", "gsi2pk": f"{pk}#X", "gsi2sk": "other", "count": 3})
    with sqlite3.connect(tmp_path / "s.sqlite3") as conn:
        (body,) = conn.execute("SELECT body FROM rows WHERE sk = 'C#1'").fetchone()
    assert json.loads(body) == {"count": 3}
    assert store.get(pk, "C#1") == {"pk": pk, "sk": "C#1", "gsi2pk": f"{pk}#X", "gsi2sk": "other", "count": 3}


def test_items_with_equal_index_sort_keys_are_paged_once_each(tmp_path: Path, clock: FixedClock) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", clock=clock)
    pk = unique("ORG")
    for n in range(7):
        store.put({"pk": pk, "sk": f"I#{n}", "gsi1pk": f"{pk}#ALL", "gsi1sk": "same", "n": n})
    for forward in (True, False):
        seen, cursor = [], None
        while True:
            page = store.query(f"{pk}#ALL", index="gsi1", limit=3, cursor=cursor, forward=forward)
            seen += [item["n"] for item in page.items]
            if (cursor := page.next_cursor) is None:
                break
        assert sorted(seen) == list(range(7)) and len(seen) == 7


def test_a_partition_made_by_a_failed_transaction_is_not_remembered(tmp_path: Path, clock: FixedClock) -> None:
    store = SqliteStore(tmp_path / "s.sqlite3", clock=clock)
    pk, fresh = unique("ORG"), unique("NEW")
    store.put({"pk": pk, "sk": "X"})
    with pytest.raises(ConditionFailed):
        store.transact([Put({"pk": fresh, "sk": "1"}), Put({"pk": pk, "sk": "X"}, MustNotExist())])
    assert store.query(fresh).items == []
    store.put({"pk": fresh, "sk": "2"})
    assert [item["sk"] for item in store.query(fresh).items] == ["2"]
    assert SqliteStore(tmp_path / "s.sqlite3", clock=clock).get(fresh, "2") == {"pk": fresh, "sk": "2"}


def test_a_file_of_the_first_layout_is_moved_on_open_and_reads_the_same(tmp_path: Path, clock: FixedClock) -> None:
    path = tmp_path / "old.sqlite3"
    pk = unique("ORG")
    items = [_long_item(pk, "A#1"), {"pk": pk, "sk": "A#2", "gsi2pk": f"{pk}#J", "gsi2sk": "k", "n": 2},
             {"pk": pk, "sk": "A#3", "ttl": 4_000_000_000, "n": 3}]
    with sqlite3.connect(path) as conn:
        conn.executescript(_FIRST_LAYOUT)
        for item in items:
            conn.execute("INSERT INTO items VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                         (item["pk"], item["sk"], item.get("gsi1pk"), item.get("gsi1sk"), item.get("gsi2pk"),
                          item.get("gsi2sk"), item.get("ttl"), json.dumps(item)))
    store = SqliteStore(path, clock=clock)
    assert store.query(pk).items == items
    assert store.query(f"{pk}#J", index="gsi2").items == [items[1]]
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT name FROM sqlite_master WHERE name = 'items'").fetchone() is None
    store.put({"pk": pk, "sk": "A#4"})
    assert len(SqliteStore(path, clock=clock).query(pk).items) == 4
