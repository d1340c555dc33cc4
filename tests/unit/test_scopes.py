"""The scope rule, exhaustively over actions and resources."""

from __future__ import annotations

import pytest

from chalicelib.auth.scopes import ACTIONS, ADMIN, RESOURCES, allows


@pytest.mark.parametrize("action", sorted(ACTIONS))
@pytest.mark.parametrize("resource", [*sorted(RESOURCES), None, ADMIN])
def test_all_grants_everything(action: str, resource: str | None) -> None:
    assert allows(frozenset({"all"}), action, resource)  # type: ignore[arg-type]


def test_read_key_may_only_read() -> None:
    assert allows(frozenset({"read"}), "read", "customers")
    assert not allows(frozenset({"read"}), "write", "customers")
    assert not allows(frozenset({"read"}), "delete", "customers")


def test_write_and_delete_imply_read_but_not_each_other() -> None:
    assert allows(frozenset({"write"}), "read", "orders")
    assert allows(frozenset({"delete"}), "read", "orders")
    assert not allows(frozenset({"write"}), "delete", "orders")
    assert not allows(frozenset({"delete"}), "write", "orders")


def test_resource_scopes_limit_the_key_to_those_resources() -> None:
    scopes = frozenset({"write", "customers"})
    assert allows(scopes, "write", "customers")
    assert not allows(scopes, "read", "orders")
    assert not allows(scopes, "read", None)


def test_resource_only_key_is_read_only_on_its_resources() -> None:
    assert allows(frozenset({"products"}), "read", "products")
    assert not allows(frozenset({"products"}), "write", "products")
    assert not allows(frozenset({"products"}), "read", "customers")


def test_only_all_administers_keys() -> None:
    every_other = frozenset(ACTIONS | RESOURCES)
    for action in ACTIONS:
        assert not allows(every_other, action, ADMIN)  # type: ignore[arg-type]


def test_empty_scope_set_allows_nothing() -> None:
    assert not allows(frozenset(), "read", "customers")
