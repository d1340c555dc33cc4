"""Persistence of the company profile.

Key formats and access patterns:

| pattern                                  | index | key condition                                    |
|------------------------------------------|-------|--------------------------------------------------|
| profile of an organization               | table | pk=``ORG#<org>``, sk=``COMPANY``                  |
| profile and organization in one read     | table | batch get of pk=``ORG#<org>``, sk=``COMPANY`` and sk=``ORG`` |

One profile per organization, written with ``MustNotExist`` the first time and at its expected version after;
``unchanged`` is the same precondition for a write that was decided on the profile (the ledger's postings).
The organization item (owned by ``chalicelib.auth``) holds the books' currency; a change of the profile's currency
rewrites it at its expected version in the same transaction, so the two never disagree.
"""

from __future__ import annotations

from chalicelib.auth import repository as auth_repo
from chalicelib.auth.models import Organization
from chalicelib.company.models import CompanyProfile
from chalicelib.store.port import Check, ExpectedVersion, Item, MustNotExist, Operation, Put, Store

SK = "COMPANY"
ORG_SK = "ORG"
ENTITY = "company"


def _pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def to_item(profile: CompanyProfile) -> Item:
    return {"pk": _pk(profile.org_id), "sk": SK, "entity": ENTITY, **profile.model_dump(mode="json")}


def from_item(item: Item) -> CompanyProfile:
    return CompanyProfile.model_validate(item)


def load(store: Store, org_id: str) -> tuple[Organization | None, CompanyProfile | None]:
    """The organization and its stored profile (``None`` when never set), read together and consistently."""
    found = {item["sk"]: item for item in store.batch_get([(_pk(org_id), ORG_SK), (_pk(org_id), SK)])}
    org = Organization.model_validate(found[ORG_SK]) if ORG_SK in found else None  # key attributes ignored
    return org, from_item(found[SK]) if SK in found else None


def unchanged(org_id: str, version: int) -> Check:
    """A precondition: the stored profile is still at ``version`` (0: the organization never set one)."""
    return Check(_pk(org_id), SK, ExpectedVersion(version) if version else MustNotExist())


def save(updated: CompanyProfile, current: CompanyProfile | None) -> Operation:
    """Write ``updated``: first write if there was no stored profile, else at ``current``'s version."""
    condition = MustNotExist() if current is None else ExpectedVersion(current.version)
    return Put(to_item(updated), condition)


def organization_write(org: Organization, currency: str) -> Operation:
    """The organization rewritten with ``currency`` at its expected version, or only checked at that version when
    the currency does not change (the profile was decided on this version of it)."""
    if org.currency == currency:
        return Check(_pk(org.id), ORG_SK, ExpectedVersion(org.version))
    updated = org.model_copy(update={"currency": currency, "version": org.version + 1})
    # auth builds the organization item; its first operation is that item (the second, the registry entry).
    item = auth_repo.put_organization(updated)[0].item
    return Put(item, ExpectedVersion(org.version))
