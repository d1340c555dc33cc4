"""The daily bank-alerts job: every alert rule, for one organization or all of them."""

from __future__ import annotations

from chalicelib.auth.repository import organization_ids
from chalicelib.banking.alerts import evaluate
from chalicelib.store.deps import Deps


def alerts_of(deps: Deps, org_id: str) -> int:
    return len(evaluate(deps, org_id))


def alerts_everywhere(deps: Deps) -> dict[str, int]:
    """Every organization's alerts; answers how many were new, per organization that had some."""
    return {org_id: count for org_id in organization_ids(deps.store) if (count := alerts_of(deps, org_id))}
