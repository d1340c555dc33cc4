"""Company profile use cases: read it (or the default built from the organization), replace it, or change some
of its fields.

The organization's ``currency`` is the one source of the books' currency: the profile shows it, and a replacement
that changes it rewrites the organization in the same transaction as the profile and the ``company.updated``
event. Once the books hold entries, the settings those entries depend on (currency, fiscal-year start, accounting
country) are frozen: changing one is a 409 ``books_in_use``. Whether the books hold entries is the ledger's to say,
and the ledger stands above this context: a write receives the question as ``books_in_use``
(``chalicelib.bookkeeping.company`` passes the ledger's). A write that collides with a concurrent change runs again
on fresh data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import ValidationError

from chalicelib.auth.models import Organization
from chalicelib.company import repository as repo
from chalicelib.company.models import (
    FROZEN_ONCE_BOOKED,
    WRITABLE_FIELDS,
    CompanyOut,
    CompanyProfile,
    CompanyUpdate,
)
from chalicelib.core.errors import Conflict, NotFound
from chalicelib.core.validation import invalid
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation, Store
from chalicelib.store.unit import commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

_FROZEN_MESSAGE = "cannot change once the books hold entries"
BooksInUse = Callable[[Store, str], bool]  # whether the organization's books hold entries


def to_out(profile: CompanyProfile) -> CompanyOut:
    return CompanyOut.model_construct(**{name: getattr(profile, name) for name in CompanyOut.model_fields})


def default_profile(org: Organization) -> CompanyProfile:
    """The profile of an organization that never set one: its name and currency, defaults elsewhere."""
    return CompanyProfile(org_id=org.id, legal_name=org.name, currency=org.currency)


def _load(deps: Deps, org_id: str) -> tuple[Organization, CompanyProfile | None, CompanyProfile]:
    """The organization, the stored profile (``None`` if never set) and the current profile (stored or default)."""
    org, stored = repo.load(deps.store, org_id)
    if org is None:
        raise NotFound(f"organization {org_id} not found", code="organization_not_found")
    current = default_profile(org) if stored is None else stored.model_copy(update={"currency": org.currency})
    return org, stored, current


def get_company(deps: Deps, org_id: str) -> CompanyProfile:
    """The organization's profile, or its default when never set (``version`` 0)."""
    return _load(deps, org_id)[2]


def organization_and_company(deps: Deps, org_id: str) -> tuple[Organization, CompanyProfile]:
    """The organization and its profile, in one read."""
    org, _, current = _load(deps, org_id)
    return org, current


def read_company(deps: Deps, org_id: str) -> CompanyOut:
    return to_out(get_company(deps, org_id))


def _frozen_changes(deps: Deps, org_id: str, current: CompanyProfile, updated: CompanyProfile,
                    books_in_use: BooksInUse) -> None:
    """Refuse a change of a setting the books' entries depend on once there are entries."""
    changed = [name for name in FROZEN_ONCE_BOOKED if getattr(current, name) != getattr(updated, name)]
    if changed and books_in_use(deps.store, org_id):
        raise Conflict(f"{', '.join(changed)}: {_FROZEN_MESSAGE}", code="books_in_use",
                       details={name: [_FROZEN_MESSAGE] for name in changed})


def _event(deps: Deps, profile: CompanyProfile, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=profile.org_id, type="company.updated", entity="company",
                              entity_id=profile.org_id, payload=payload, occurred_at=deps.clock.now()))


def _write(deps: Deps, org_id: str, new_fields: Callable[[CompanyProfile], CompanyUpdate],
           books_in_use: BooksInUse) -> CompanyOut:
    """Commit the profile ``new_fields`` makes of the current one, read again on every attempt."""

    def attempt() -> CompanyOut:
        org, stored, current = _load(deps, org_id)
        data = new_fields(current)
        fields = {**data.model_dump(), "currency": data.currency or org.currency}
        updated = CompanyProfile(**fields, org_id=org_id, updated_at=deps.clock.now(), version=current.version + 1)
        _frozen_changes(deps, org_id, current, updated, books_in_use)
        changed = sorted(name for name in WRITABLE_FIELDS if getattr(current, name) != getattr(updated, name))
        out = to_out(updated)
        commit(deps.store, plain([repo.save(updated, stored), repo.organization_write(org, updated.currency),
                                  _event(deps, updated, {**out.model_dump(mode="json"), "changed": changed})]))
        return out

    return retrying(deps.store, attempt)


def replace_company(deps: Deps, org_id: str, data: CompanyUpdate, books_in_use: BooksInUse) -> CompanyOut:
    """Replace every writable field (the currency left out stays the organization's)."""
    return _write(deps, org_id, lambda _current: data, books_in_use)


def patch_company(deps: Deps, org_id: str, changes: Mapping[str, Any], books_in_use: BooksInUse) -> CompanyOut:
    """Change only the fields in ``changes``: they are merged into the profile as it is when the change commits,
    so concurrent changes of different fields all land. The merged profile is checked as a whole
    (``CompanyUpdate``); a broken rule is a ``ValidationFailed`` naming the field."""

    def merged(current: CompanyProfile) -> CompanyUpdate:
        try:
            return CompanyUpdate.model_validate({**{name: getattr(current, name) for name in WRITABLE_FIELDS},
                                                 **changes})
        except ValidationError as exc:
            raise invalid(exc, root="body") from exc

    return _write(deps, org_id, merged, books_in_use)
