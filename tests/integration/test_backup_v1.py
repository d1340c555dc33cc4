"""A version-1 backup (raw store items, taken before backups turned to domain records) restores forever: the
committed fixture of the French demo year gives back the same books."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.core.serialization import dumps
from chalicelib.exports.backup import backup, restore
from chalicelib.store.deps import Deps
from tests.integration.conftest import Tenant, make_tenant

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TAKEN_ON = "2026-03-15"


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"), parse_float=Decimal)


@pytest.fixture(scope="module")
def answer_v1() -> Any:
    """The body ``GET /exports/backup`` answered, envelope included, as a client would post it back."""
    return fixture("backup-v1.json")


def test_the_v1_fixture_restores_with_the_same_trial_balance_and_a_valid_chain(deps: Deps, tenant: Tenant,
                                                                              answer_v1: Any) -> None:
    assert answer_v1["data"]["version"] == 1

    result = restore(deps, tenant.org_id, answer_v1)

    assert result["files"] == 15 and result["restored"]["accounting.entries"] == 121
    balance = tenant.client.get(f"/api/v1/accounting/trial-balance?date={TAKEN_ON}")
    assert balance.status_code == 200
    assert balance.text == (FIXTURES / "backup-v1.trial-balance.json").read_text(encoding="utf-8")
    verification = tenant.client.get("/api/v1/accounting/verify").json()["data"]
    assert verification["valid"] is True and verification["checked_entries"] == 121


def test_a_restored_v1_backup_answers_as_the_original_organization(deps: Deps, tenant: Tenant,
                                                                  answer_v1: Any) -> None:
    source = answer_v1["data"]
    restore(deps, tenant.org_id, source)

    document = backup(deps, tenant.org_id)

    # every domain record of version 1 is there, receipts included
    tables = source["tables"]
    for part in ("clients", "products", "projects", "quotes", "invoices", "credit_notes", "payments", "expenses"):
        assert len(document["records"][part]) == len(tables[part]), part
    assert sum("receipt_file" in e for e in document["records"]["expenses"]) == len(source["files"])
    assert document["stats"]["accounting.postings"] == len(tables["ledger_postings"])
    # counters and indexes were rebuilt: lists count and find what the original held
    invoices = tenant.client.get("/api/v1/invoices?limit=100").json()
    assert invoices["meta"]["total"] == len(tables["invoices"]) == len(invoices["data"])
    lines = tenant.client.get("/api/v1/accounting/entries?limit=500").json()["data"]
    assert len(lines) == len(tables["ledger_lines"])
    assert source["organization"]["id"] not in dumps(document)


def test_a_restored_v1_backup_backs_up_and_restores_again_as_version_2(deps: Deps, tenant: Tenant,
                                                                      answer_v1: Any) -> None:
    restore(deps, tenant.org_id, answer_v1)
    first = backup(deps, tenant.org_id)
    target = make_tenant(deps)

    restore(deps, target.org_id, json.loads(dumps(first), parse_float=Decimal))

    again = json.loads(dumps(backup(deps, target.org_id)).replace(target.org_id, tenant.org_id))
    assert again["records"] == json.loads(dumps(first))["records"]


def test_a_v1_item_of_another_organization_is_refused(deps: Deps, tenant: Tenant, other_tenant: Tenant,
                                                     answer_v1: Any) -> None:
    document = json.loads(json.dumps(answer_v1["data"], default=str))
    document["tables"]["clients"][0]["pk"] = f"ORG#{other_tenant.org_id}"

    with pytest.raises(ValidationFailed) as refused:
        restore(deps, tenant.org_id, document)

    assert "tables.clients[0].pk" in refused.value.details
    assert not any(backup(deps, tenant.org_id)["stats"].values())
