"""Organizations, users and memberships: the owner's account, roles and password hashing."""

from __future__ import annotations

import pytest

from chalicelib.auth import repository as repo
from chalicelib.auth.passwords import verify_password
from chalicelib.auth.service import add_member, create_organization
from chalicelib.core.errors import Conflict
from chalicelib.store.deps import Deps
from chalicelib.webhooks.outbox import list_events
from tests.conftest import unique


def test_new_organization_has_an_owner_and_an_all_scopes_key(deps: Deps) -> None:
    email = f"{unique('o')}@example.com"
    boot = create_organization(deps, name="Domaine", owner_email=email, password="correct horse")
    membership = repo.get_membership(deps.store, boot.organization.id, boot.user.id)
    assert membership is not None and membership.role == "owner"
    assert boot.key.scopes == ["all"] and boot.key.key.startswith("cpk_")
    stored = repo.get_user(deps.store, boot.user.id)
    assert stored is not None and stored.password_hash and stored.password_hash.startswith("$argon2id$")
    assert verify_password(stored.password_hash, "correct horse")
    assert not verify_password(stored.password_hash, "wrong")
    assert [e.type for e in list_events(deps.store, boot.organization.id)[0]] == ["api_key.created",
                                                                                  "organization.created"]


def test_an_owner_may_own_several_organizations(deps: Deps) -> None:
    email = f"{unique('o')}@example.com"
    first = create_organization(deps, name="A", owner_email=email)
    second = create_organization(deps, name="B", owner_email=email.upper())
    assert first.user.id == second.user.id
    assert first.organization.id != second.organization.id


def test_members_have_roles_and_unique_emails(deps: Deps) -> None:
    boot = create_organization(deps, name="A", owner_email=f"{unique('o')}@example.com")
    email = f"{unique('m')}@example.com"
    member = add_member(deps, boot.organization.id, email=email, role="editor")
    membership = repo.get_membership(deps.store, boot.organization.id, member.id)
    assert membership is not None and membership.role == "editor"
    with pytest.raises(Conflict):
        add_member(deps, boot.organization.id, email=email, role="read_only")
