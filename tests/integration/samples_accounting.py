"""Matrix samples of ``/api/v1/accounting``: the owner's books are initialized (and hold an entry) first."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_invoice
from tests.integration.matrix import Sample

BASE = "/api/v1/accounting"


def books(owner: LocalClient) -> None:
    """Initialized books holding one sales entry (account 411)."""
    owner.post(f"{BASE}/init", json={"country": "FR"})
    new_invoice(owner)


def _then(path: str, body: object = None) -> Callable[[LocalClient], Sample]:
    def build(owner: LocalClient) -> Sample:
        books(owner)
        return Sample(path, body)

    return build


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "initAccounting": lambda o: Sample(f"{BASE}/init", {"country": "FR"}),
    "getAccountingSettings": _then(f"{BASE}/settings"),
    "updateAccountingSettings": _then(f"{BASE}/settings", {"mappings": {"revenue": "706"}}),
    "getChartOfAccounts": _then(f"{BASE}/chart?category=revenue"),
    "getAccountingEntries": _then(f"{BASE}/entries?start_date=2026-01-01&end_date=2026-12-31"),
    "getTrialBalance": _then(f"{BASE}/trial-balance?date=2026-03-31"),
    "getTaxSummary": _then(f"{BASE}/tax-summary?start_date=2026-01-01&end_date=2026-03-31"),
    "getGeneralLedger": _then(f"{BASE}/ledger/411"),
    "getIncomeStatement": _then(f"{BASE}/income-statement"),
    "getBalanceSheet": _then(f"{BASE}/balance-sheet"),
    "verifyLedger": _then(f"{BASE}/verify"),
}
