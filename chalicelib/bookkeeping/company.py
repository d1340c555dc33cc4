"""Changing the company profile under the books' freeze: once the ledger holds entries, the settings they depend on
(currency, fiscal-year start, accounting country) cannot change. The company context asks the question; the ledger,
above it, answers it here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.company import service
from chalicelib.company.models import CompanyOut, CompanyUpdate
from chalicelib.ledger.state import books_in_use
from chalicelib.store.deps import Deps


def replace_company(deps: Deps, org_id: str, data: CompanyUpdate) -> CompanyOut:
    """Replace every writable field of the profile (``chalicelib.company.service.replace_company``)."""
    return service.replace_company(deps, org_id, data, books_in_use)


def patch_company(deps: Deps, org_id: str, changes: Mapping[str, Any]) -> CompanyOut:
    """Change only the fields in ``changes`` (``chalicelib.company.service.patch_company``)."""
    return service.patch_company(deps, org_id, changes, books_in_use)
