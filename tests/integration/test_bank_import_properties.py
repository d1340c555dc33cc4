"""Property: importing statements is idempotent. Whatever the lines, importing a file twice, or two statements
that overlap by whole days, books every transaction exactly once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.banking import accounts, imports, transactions
from chalicelib.banking.models import BankAccountCreate, TransactionListQuery
from chalicelib.store.deps import Deps
from tests.integration.bank_files import new_iban, statement_csv
from tests.integration.conftest import Tenant

START = dt.date(2026, 2, 1)
LABELS = ["CB CARREFOUR", "PRLV SEPA EDF", "VIR SEPA RECU DUPONT", "FRAIS TENUE DE COMPTE", "Retrait DAB"]

line = st.tuples(st.integers(0, 9), st.sampled_from(LABELS), st.integers(-50_000, 50_000).filter(bool))
days = st.lists(line, min_size=1, max_size=40)


def _csv(rows: list[tuple[int, str, int]]) -> bytes:
    def amount(cents: int) -> str:
        return f"{Decimal(cents) / 100:.2f}".replace(".", ",")

    return statement_csv(*[((START + dt.timedelta(days=d)).strftime("%d/%m/%Y"), label, amount(cents))
                           for d, label, cents in rows])


def _book(deps: Deps, org_id: str, account_id: str, rows: list[tuple[int, str, int]]) -> int:
    record = imports.preview_import(deps, org_id, _csv(rows), "releve.csv", account_id)
    return imports.confirm_import(deps, org_id, record.id).booked


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=days, cut=st.integers(0, 9), overlap=st.integers(0, 9))
def test_overlapping_and_repeated_imports_book_each_transaction_once(deps: Deps, tenant: Tenant,
                                                                    rows: list[tuple[int, str, int]], cut: int,
                                                                    overlap: int) -> None:
    rows = sorted(rows)
    account = accounts.create_account(deps, tenant.org_id, BankAccountCreate(name="p", iban=new_iban()))
    first = [r for r in rows if r[0] <= cut]
    second = [r for r in rows if r[0] >= max(cut - overlap, 0)]  # overlaps the first by whole days
    booked = sum(_book(deps, tenant.org_id, account.id, part) for part in (first, second) if part)
    assert booked == len(rows)
    assert _book(deps, tenant.org_id, account.id, rows) == 0
    listed = transactions.list_transactions(deps, tenant.org_id, TransactionListQuery(account_id=account.id,
                                                                                      limit=100))
    assert listed.total == len(rows)
    assert sum(t.amount for t in listed.items) == sum(Decimal(c) / 100 for _, _, c in rows)
    assert accounts.get_account(deps, tenant.org_id, account.id).balance == sum(Decimal(c) / 100 for *_, c in rows)
