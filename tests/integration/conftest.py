"""Fixtures of the integration suites: the real app, on each storage backend, with a fresh organization."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from app import app as whole_app
from chalicelib.api.local import LocalClient
from chalicelib.auth.models import ApiKeyCreate
from chalicelib.auth.service import Bootstrap, create_api_key, create_organization
from chalicelib.core.clock import FixedClock
from chalicelib.core.ids import new_id
from chalicelib.core.settings import Settings
from chalicelib.store.blobs import FileBlobStore
from chalicelib.store.deps import Deps
from chalicelib.store.port import Store
from chalicelib.webhooks.egress import GuardedSender
from chalicelib.wiring import using
from tests.conftest import unique

# Generous default quotas so suites that make many calls are not throttled; rate-limit tests set their own.
TEST_RATE_LIMIT = 100_000


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(stage="test", data_dir=tmp_path, rate_limit_cpk=TEST_RATE_LIMIT,
                    rate_limit_anonymous=TEST_RATE_LIMIT)


@pytest.fixture
def deps(store: Store, settings: Settings, tmp_path: Path, clock: FixedClock) -> Iterator[Deps]:
    # Webhook deliveries go to receivers on loopback only (``local``: plain http to 127.0.0.1 is allowed).
    built = Deps(settings=settings, store=store, blobs=FileBlobStore(tmp_path / "blobs", b"s" * 32), clock=clock,
                 new_id=new_id, egress=GuardedSender(local=True, connect_timeout=1.0, read_timeout=3.0))
    with using(built):
        yield built


@dataclass
class Tenant:
    """An organization with an all-scopes key, and a client that sends that key."""

    boot: Bootstrap
    client: LocalClient

    @property
    def org_id(self) -> str:
        return self.boot.organization.id

    @property
    def key(self) -> str:
        return self.boot.key.key


def make_tenant(deps: Deps) -> Tenant:
    boot = create_organization(deps, name=unique("Org"), owner_email=f"{unique('owner')}@example.com")
    return Tenant(boot=boot, client=LocalClient(whole_app, headers={"X-API-Key": boot.key.key}))


@pytest.fixture
def tenant(deps: Deps) -> Tenant:
    return make_tenant(deps)


@pytest.fixture
def other_tenant(deps: Deps) -> Tenant:
    return make_tenant(deps)


@pytest.fixture
def api(tenant: Tenant) -> LocalClient:
    return tenant.client


@pytest.fixture
def anonymous(deps: Deps) -> LocalClient:
    return LocalClient(whole_app)


@pytest.fixture
def key_with(deps: Deps, tenant: Tenant):  # type: ignore[no-untyped-def]
    """A factory: a client whose key holds exactly the given scopes (and optional quota)."""

    def make(*scopes: str, rate_limit: int | None = None, rate_window: int | None = None,
             kind: str = "cpk") -> LocalClient:
        principal = _principal(deps, tenant)
        created = create_api_key(deps, principal, ApiKeyCreate(scopes=list(scopes), rate_limit=rate_limit,
                                                               rate_window=rate_window, kind=kind))  # type: ignore[arg-type]
        return LocalClient(whole_app, headers={"X-API-Key": created.key})

    return make


def _principal(deps: Deps, tenant: Tenant):  # type: ignore[no-untyped-def]
    from chalicelib.auth.service import authenticate

    return authenticate(deps, tenant.key)
