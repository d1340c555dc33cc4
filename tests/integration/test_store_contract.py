"""The storage port's contract, run identically against SQLite and DynamoDB (moto)."""

from __future__ import annotations

import pytest

from chalicelib.core.errors import BadRequest
from chalicelib.store.port import (
    AttributeAtMost,
    Check,
    ConditionFailed,
    Delete,
    ExpectedVersion,
    Increment,
    MustExist,
    MustNotExist,
    Put,
    Store,
)
from tests.conftest import unique


def item(pk: str, sk: str, **fields: object) -> dict[str, object]:
    return {"pk": pk, "sk": sk, **fields}


def test_put_then_get_round_trips_every_value_type(store: Store) -> None:
    pk = unique("P")
    value = item(pk, "A", s="x", n=-42, big=10**15, yes=True, none=None, lst=[1, "a", {"k": [2]}],
                 nested={"money": "12.30", "deep": {"n": 3}}, accent="Société Générale")
    store.put(value)
    assert store.get(pk, "A") == value


def test_get_of_absent_item_is_none(store: Store) -> None:
    assert store.get(unique("P"), "nothing") is None


def test_floats_and_decimals_are_refused(store: Store) -> None:
    from decimal import Decimal

    with pytest.raises(TypeError):
        store.put(item(unique("P"), "A", x=1.5))
    with pytest.raises(TypeError):
        store.put(item(unique("P"), "A", x=Decimal("1.5")))


def test_put_must_not_exist_fails_on_existing_item_and_keeps_it(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "A", v=1), MustNotExist())
    with pytest.raises(ConditionFailed):
        store.put(item(pk, "A", v=2), MustNotExist())
    assert store.get(pk, "A") == item(pk, "A", v=1)


def test_put_with_expected_version_detects_a_concurrent_change(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "A", version=1), MustNotExist())
    store.put(item(pk, "A", version=2), ExpectedVersion(1))
    with pytest.raises(ConditionFailed):
        store.put(item(pk, "A", version=3, lost=True), ExpectedVersion(1))
    assert store.get(pk, "A") == item(pk, "A", version=2)


def test_expected_version_fails_on_absent_item(store: Store) -> None:
    with pytest.raises(ConditionFailed):
        store.put(item(unique("P"), "A", version=2), ExpectedVersion(1))


def test_conditional_delete_fails_and_keeps_the_item(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "A", version=5))
    with pytest.raises(ConditionFailed):
        store.delete(pk, "A", ExpectedVersion(4))
    assert store.get(pk, "A") is not None
    store.delete(pk, "A", ExpectedVersion(5))
    assert store.get(pk, "A") is None


def test_delete_must_exist_fails_on_absent_item(store: Store) -> None:
    with pytest.raises(ConditionFailed):
        store.delete(unique("P"), "A", MustExist())


def test_transaction_whose_last_condition_fails_writes_nothing(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "existing", version=1))
    ops = [
        Put(item(pk, "new1", v=1), MustNotExist()),
        Put(item(pk, "new2", v=2)),
        Delete(pk, "existing"),
        Increment(pk, "counter", "total", 1),
        Check(pk, "missing", MustExist()),
    ]
    with pytest.raises(ConditionFailed) as failure:
        store.transact(ops)
    assert failure.value.index == 4
    assert store.get(pk, "new1") is None
    assert store.get(pk, "new2") is None
    assert store.get(pk, "existing") is not None
    assert store.get(pk, "counter") is None


def test_transaction_applies_every_operation(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "old", version=1))
    store.transact([
        Put(item(pk, "a", v=1), MustNotExist()),
        Delete(pk, "old", ExpectedVersion(1)),
        Increment(pk, "count", "n", 3, fields={"entity": "counter"}),
        Check(pk, "guard", AttributeAtMost("n", 0)),
    ])
    assert store.get(pk, "a") == item(pk, "a", v=1)
    assert store.get(pk, "old") is None
    assert store.get(pk, "count") == item(pk, "count", n=3, entity="counter")


def test_an_increment_moves_its_other_counters_in_the_same_write(store: Store) -> None:
    pk = unique("P")
    store.transact([Increment(pk, "bucket", "units", 1500, fields={"entity": "b"}, also=(("lines", 1),))])
    store.transact([Increment(pk, "bucket", "units", -500, also=(("lines", 2),))])
    assert store.get(pk, "bucket") == item(pk, "bucket", units=1000, lines=3, entity="b")


def test_transaction_refuses_touching_one_item_twice(store: Store) -> None:
    pk = unique("P")
    with pytest.raises(ValueError):
        store.transact([Put(item(pk, "a")), Delete(pk, "a")])


def test_attribute_at_most_guards_a_reference_count(store: Store) -> None:
    pk = unique("P")
    store.increment(pk, "refs", "count", 1)
    with pytest.raises(ConditionFailed):
        store.transact([Check(pk, "refs", AttributeAtMost("count", 0)), Delete(pk, "target")])
    store.increment(pk, "refs", "count", -1)
    store.transact([Check(pk, "refs", AttributeAtMost("count", 0)), Put(item(pk, "target"))])


def test_increment_creates_and_adds_atomically(store: Store) -> None:
    pk = unique("P")
    assert store.increment(pk, "c", "n") == 1
    assert store.increment(pk, "c", "n", 5) == 6
    assert store.increment(pk, "c", "n", -2) == 4


def test_bounded_counter_refuses_to_cross_its_bound(store: Store) -> None:
    pk = unique("P")
    assert store.increment(pk, "c", "n", 2, at_most=3) == 2
    assert store.increment(pk, "c", "n", 1, at_most=3) == 3
    with pytest.raises(ConditionFailed):
        store.increment(pk, "c", "n", 1, at_most=3)
    assert store.get(pk, "c")["n"] == 3  # type: ignore[index]
    with pytest.raises(ConditionFailed):
        store.increment(pk, "c", "n", -4, at_least=0)
    assert store.increment(pk, "c", "n", -3, at_least=0) == 0


def test_bounded_counter_refuses_a_first_step_beyond_its_bound(store: Store) -> None:
    pk = unique("P")
    with pytest.raises(ConditionFailed):
        store.increment(pk, "c", "n", 5, at_most=3)
    assert store.get(pk, "c") is None


def _seed(store: Store, pk: str, n: int) -> list[str]:
    sks = [f"ITEM#{i:03d}" for i in range(n)]
    store.transact([Put(item(pk, sk, i=i)) for i, sk in enumerate(sks)])
    store.put(item(pk, "OTHER#1"))
    return sks


def test_query_by_prefix_is_ordered_forward_and_backward(store: Store) -> None:
    pk = unique("P")
    sks = _seed(store, pk, 7)
    forward = store.query(pk, prefix="ITEM#")
    assert [i["sk"] for i in forward.items] == sks
    assert forward.next_cursor is None
    backward = store.query(pk, prefix="ITEM#", forward=False)
    assert [i["sk"] for i in backward.items] == list(reversed(sks))


def test_query_by_range_is_inclusive(store: Store) -> None:
    pk = unique("P")
    _seed(store, pk, 10)
    page = store.query(pk, start="ITEM#003", end="ITEM#006")
    assert [i["i"] for i in page.items] == [3, 4, 5, 6]
    assert [i["i"] for i in store.query(pk, start="ITEM#008").items if "i" in i] == [8, 9]
    assert [i["i"] for i in store.query(pk, end="ITEM#001").items] == [0, 1]


@pytest.mark.parametrize("forward", [True, False])
def test_query_cursor_walks_every_item_exactly_once(store: Store, forward: bool) -> None:
    pk = unique("P")
    sks = _seed(store, pk, 11)
    seen, cursor, pages = [], None, 0
    while True:
        page = store.query(pk, prefix="ITEM#", limit=4, cursor=cursor, forward=forward)
        seen += [i["sk"] for i in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == (sks if forward else list(reversed(sks)))
    assert pages == 3


def test_cursor_is_exact_when_the_last_page_is_full(store: Store) -> None:
    pk = unique("P")
    _seed(store, pk, 8)
    first = store.query(pk, prefix="ITEM#", limit=4)
    second = store.query(pk, prefix="ITEM#", limit=4, cursor=first.next_cursor)
    assert len(second.items) == 4
    assert second.next_cursor is None


def test_foreign_or_garbled_cursor_is_a_bad_request(store: Store) -> None:
    pk, other = unique("P"), unique("P")
    _seed(store, pk, 5)
    _seed(store, other, 5)
    cursor = store.query(other, prefix="ITEM#", limit=2).next_cursor
    with pytest.raises(BadRequest):
        store.query(pk, prefix="ITEM#", cursor=cursor)
    with pytest.raises(BadRequest):
        store.query(pk, prefix="ITEM#", cursor="not-a-cursor!")


@pytest.mark.parametrize("index", ["gsi1", "gsi2"])
def test_query_on_an_index_with_cursor_and_direction(store: Store, index: str) -> None:
    pk, ipk = unique("P"), unique("IDX")
    names = ["delta", "alpha", "charlie", "bravo", "echo"]
    for i, name in enumerate(names):
        store.put(item(pk, f"ROW#{i}", **{f"{index}pk": ipk, f"{index}sk": f"NAME#{name}"}, name=name))
    store.put(item(pk, "ROW#plain", name="not indexed"))
    first = store.query(ipk, index=index, prefix="NAME#", limit=3)  # type: ignore[arg-type]
    rest = store.query(ipk, index=index, prefix="NAME#", limit=3, cursor=first.next_cursor)  # type: ignore[arg-type]
    assert [i["name"] for i in first.items + rest.items] == sorted(names)
    assert rest.next_cursor is None
    backward = store.query(ipk, index=index, forward=False)  # type: ignore[arg-type]
    assert [i["name"] for i in backward.items] == sorted(names, reverse=True)


def test_index_keys_must_come_in_pairs(store: Store) -> None:
    with pytest.raises(ValueError):
        store.put(item(unique("P"), "A", gsi1pk="X"))


def test_expired_items_are_invisible_and_count_as_absent(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    pk = unique("P")
    now = int(clock.now().timestamp())
    store.put(item(pk, "A", ttl=now + 60, v=1))
    store.put(item(pk, "B", v=2))
    assert store.get(pk, "A") is not None
    clock.advance(61)
    assert store.get(pk, "A") is None
    assert [i["sk"] for i in store.query(pk).items] == ["B"]
    assert store.batch_get([(pk, "A"), (pk, "B")]) == [item(pk, "B", v=2)]
    store.put(item(pk, "A", v=3), MustNotExist())
    assert store.get(pk, "A") == item(pk, "A", v=3)


def test_counter_with_ttl_starts_over_after_expiry(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    pk = unique("P")
    now = int(clock.now().timestamp())
    store.increment(pk, "window", "n", 1, at_most=2, ttl=now + 10)
    store.increment(pk, "window", "n", 1, at_most=2, ttl=now + 10)
    with pytest.raises(ConditionFailed):
        store.increment(pk, "window", "n", 1, at_most=2, ttl=now + 10)
    clock.advance(11)
    assert store.increment(pk, "window", "n", 1, at_most=2, ttl=now + 30) == 1
    assert store.get(pk, "window")["n"] == 1  # type: ignore[index]


def test_batch_get_returns_present_items_in_request_order(store: Store) -> None:
    pk = unique("P")
    store.put(item(pk, "A"))
    store.put(item(pk, "C"))
    assert [i["sk"] for i in store.batch_get([(pk, "C"), (pk, "B"), (pk, "A")])] == ["C", "A"]


def test_queries_never_cross_partitions(store: Store) -> None:
    a, b = unique("ORG"), unique("ORG")
    store.put(item(a, "CLIENT#1"))
    store.put(item(b, "CLIENT#2"))
    assert [i["pk"] for i in store.query(a).items] == [a]


def test_attribute_at_most_counts_an_absent_or_expired_item_as_zero(store: Store, clock) -> None:  # type: ignore[no-untyped-def]
    pk = unique("P")
    now = int(clock.now().timestamp())
    with pytest.raises(ConditionFailed):
        store.transact([Check(pk, "missing", AttributeAtMost("count", -1))])
    store.put(item(pk, "old", count=5, ttl=now + 5))
    with pytest.raises(ConditionFailed):
        store.transact([Check(pk, "old", AttributeAtMost("count", 0))])
    clock.advance(6)
    store.transact([Check(pk, "old", AttributeAtMost("count", 0))])
    store.put(item(pk, "live", other=1))
    store.transact([Check(pk, "live", AttributeAtMost("count", 0))])


@pytest.mark.parametrize(("field", "size"), [("sk", 1025), ("pk", 2049), ("gsi1sk", 1025)])
def test_oversized_keys_are_refused_on_both_backends(store: Store, field: str, size: int) -> None:
    value = item(unique("P"), "A", gsi1pk="I", gsi1sk="S")
    value[field] = "é" * (size // 2 + 1)
    with pytest.raises(ValueError, match="longer than"):
        store.put(value)


def test_a_query_takes_a_prefix_or_a_range_not_both(store: Store) -> None:
    with pytest.raises(ValueError):
        store.query(unique("P"), prefix="A", start="A")


def test_commit_once_reports_a_collision_instead_of_raising_and_writes_nothing(store: Store) -> None:
    from chalicelib.store.unit import commit_once

    pk = unique("pk")
    assert commit_once(store, [Put({"pk": pk, "sk": "a", "n": 1}, MustNotExist())]) is True
    assert commit_once(store, [Put({"pk": pk, "sk": "b", "n": 2}),
                               Put({"pk": pk, "sk": "a", "n": 3}, MustNotExist())]) is False
    assert store.get(pk, "a")["n"] == 1 and store.get(pk, "b") is None  # type: ignore[index]
