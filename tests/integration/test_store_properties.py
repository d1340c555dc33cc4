"""Property-based checks of the storage port: any data, any page size, the same answer on both backends."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.store.port import Put, Store
from tests.conftest import unique

sort_keys = st.lists(st.text(alphabet="abcdefXYZ019#éà", min_size=1, max_size=8), min_size=0, max_size=25,
                     unique=True)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=sort_keys, page_size=st.integers(min_value=1, max_value=7), forward=st.booleans())
def test_cursor_walk_returns_every_item_once_in_order(store: Store, keys: list[str], page_size: int,
                                                      forward: bool) -> None:
    pk = unique("P")
    for start in range(0, len(keys), 100):
        chunk = keys[start:start + 100]
        if chunk:
            store.transact([Put({"pk": pk, "sk": f"K#{k}", "k": k}) for k in chunk])
    seen, cursor = [], None
    while True:
        page = store.query(pk, prefix="K#", limit=page_size, cursor=cursor, forward=forward)
        assert len(page.items) <= page_size
        seen += [item["k"] for item in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    expected = sorted(keys, key=lambda k: f"K#{k}".encode())
    assert seen == (expected if forward else expected[::-1])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.integers(min_value=-5, max_value=5), min_size=1, max_size=30),
       bound=st.integers(min_value=0, max_value=20))
def test_bounded_counter_never_leaves_its_bounds(store: Store, steps: list[int], bound: int) -> None:
    from chalicelib.store.port import ConditionFailed

    pk, value = unique("P"), 0
    for step in steps:
        try:
            value = store.increment(pk, "c", "n", step, at_most=bound, at_least=0)
        except ConditionFailed:
            assert not 0 <= value + step <= bound
        else:
            assert 0 <= value <= bound
    item = store.get(pk, "c")
    assert (item or {}).get("n", 0) == value


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(keys=sort_keys, bounds=st.tuples(st.text(alphabet="abcXZ019#", max_size=3), st.text(alphabet="abcXZ019#~",
                                                                                          max_size=3)),
       page_size=st.integers(min_value=1, max_value=5), forward=st.booleans(), use_prefix=st.booleans())
def test_cursor_walk_within_a_range_or_prefix_returns_exactly_it_in_order(store: Store, keys: list[str],
                                                                       bounds: tuple[str, str], page_size: int,
                                                                       forward: bool, use_prefix: bool) -> None:
    pk = unique("P")
    for start_at in range(0, len(keys), 100):
        if chunk := keys[start_at:start_at + 100]:
            store.transact([Put({"pk": pk, "sk": f"K#{k}", "k": k}) for k in chunk])
    low, high = f"K#{bounds[0]}", f"K#{bounds[1]}"
    seen, cursor = [], None
    while True:
        page = (store.query(pk, prefix=low, limit=page_size, cursor=cursor, forward=forward) if use_prefix else
                store.query(pk, start=low, end=high, limit=page_size, cursor=cursor, forward=forward))
        seen += [item["k"] for item in page.items]
        if (cursor := page.next_cursor) is None:
            break
    wanted = [k for k in keys if (f"K#{k}".startswith(low) if use_prefix else low <= f"K#{k}" <= high)]
    expected = sorted(wanted, key=lambda k: f"K#{k}".encode())
    assert seen == (expected if forward else expected[::-1])
