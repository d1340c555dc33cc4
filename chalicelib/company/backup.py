"""The company profile's share of a backup: the profile as one record (or ``null`` when never set)."""

from __future__ import annotations

from typing import Any

from chalicelib.company import repository as repo
from chalicelib.company.models import CompanyProfile
from chalicelib.store.backup_parts import Record, Restoration, parsed_one, record
from chalicelib.store.deps import Deps


class CompanyPart:
    name = "company"

    def export(self, deps: Deps, org_id: str) -> Record | None:
        profile = repo.load(deps.store, org_id)[1]
        return record(profile) if profile is not None else None

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        return repo.load(deps.store, org_id)[1] is not None

    def restore(self, org_id: str, records: Any) -> Restoration:
        if records is None:
            return Restoration()
        return Restoration(operations=[repo.save(parsed_one(CompanyProfile, records, org_id), None)])


PART = CompanyPart()
