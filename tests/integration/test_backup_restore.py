"""Backup (version 2: domain records) and restore of one organization through the service functions, on both
storage backends.

Data is created through the real API; ``backup``/``restore``/``write_backup`` are called with ``deps``.
"""

from __future__ import annotations

import base64
import dataclasses
import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from chalicelib.api.local import LocalClient
from chalicelib.core.errors import Conflict, DomainError, Unavailable, ValidationFailed
from chalicelib.core.serialization import dumps
from chalicelib.exports.backup import backup, restore, write_backup
from chalicelib.ledger.verify import verify_books
from chalicelib.store.deps import Deps
from chalicelib.store.port import Operation, Store, StoreError
from chalicelib.wiring import using
from tests.conftest import unique
from tests.integration.bank_files import new_iban, statement_csv, upload_body
from tests.integration.billing_helpers import new_client, new_invoice, pay
from tests.integration.conftest import Tenant, make_tenant

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(64))


def ok(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def expense_with_receipt(api: LocalClient) -> str:
    expense = ok(api.post("/api/v1/expenses", json={"expense_date": "2026-03-05", "amount_ht": "100.00",
                                                    "tax_rate": 20, "category": "travel", "supplier": "SNCF"}))
    ok(api.request("PUT", f"/api/v1/expenses/{expense['id']}/receipt", body=PNG,
                   headers={"Content-Type": "image/png"}), 200)
    return str(expense["id"])


def some_documents(api: LocalClient) -> dict[str, str]:
    """An invoice with lines and an expense with its receipt, without books."""
    invoice = new_invoice(api, total_ht=None, total_ttc=None, tax_rate=None, items=[
        {"description": "Conseil", "quantity": 3, "unit_price": "450.00"},
        {"description": "Ouvrage", "quantity": "2", "unit_price": "14.99", "tax_rate": "5.5", "discount": 10}])
    return {"invoice": invoice["id"], "expense": expense_with_receipt(api)}


def populate(api: LocalClient) -> dict[str, str]:
    """A complete organization: profile, books, every kind of document, a receipt. Returns a few ids."""
    ok(api.put("/api/v1/company", json={"legal_name": unique("Company"), "siren": "732829320"}), 200)
    ok(api.post("/api/v1/accounting/init", json={"country": "FR"}))
    client_id = new_client(api)
    ok(api.post("/api/v1/products", json={"product_name": unique("P"), "sku": unique("SKU"), "unit_price": "12.50"}))
    invoice = new_invoice(api, client_id, total_ht=None, total_ttc=None, tax_rate=None, items=[
        {"description": "Conseil", "quantity": 3, "unit_price": "450.00"},
        {"description": "Ouvrage", "quantity": "2", "unit_price": "14.99", "tax_rate": "5.5", "discount": 10}])
    ok(pay(api, invoice["id"], "500.00"))
    credited = new_invoice(api, client_id)
    ok(api.post("/api/v1/credit-notes", json={"invoice_id": credited["id"], "reason": "Remise",
                                              "total_ht": "100.00", "total_ttc": "120.00"}))
    ok(api.post("/api/v1/quotes", json={"client_id": client_id, "date": "2026-03-01", "total_ht": "1000.00",
                                        "tax_rate": 20, "total_ttc": "1200.00"}))
    ok(api.post("/api/v1/projects", json={"name": unique("Project"), "client_id": client_id}))
    account = ok(api.post("/api/v1/bank/accounts", json={"name": "Compte", "iban": new_iban(),
                                                         "opening_balance": "100.00"}))
    statement = statement_csv(("10/03/2026", "VIR RECU", "200,00"), ("11/03/2026", "FRAIS", "-8,50"))
    preview = ok(api.post(f"/api/v1/bank/imports?account_id={account['id']}", json=upload_body(statement)))
    ok(api.post(f"/api/v1/bank/imports/{preview['id']}/confirm"), 200)
    credit = api.get("/api/v1/bank/transactions", params={"search": "vir"}).json()["data"][0]
    ok(api.post(f"/api/v1/bank/transactions/{credit['id']}/match", json={"invoice_ids": [credited["id"]]}), 200)
    return {"invoice": invoice["id"], "expense": expense_with_receipt(api), "bank_account": account["id"]}


def normalized(document: dict[str, Any], org_id: str, as_org_id: str) -> dict[str, Any]:
    """The document with ``org_id`` written as ``as_org_id`` everywhere (ids, blob keys)."""
    return json.loads(dumps(document).replace(org_id, as_org_id))  # type: ignore[no-any-return]


def wire(document: dict[str, Any]) -> Any:
    """The document as a client would send it back: through JSON text."""
    return json.loads(dumps(document))


def blob_files(tmp_path: Path, org_id: str) -> list[Path]:
    """The organization's blobs in the test's FileBlobStore (``deps`` keeps blobs in tmp_path/blobs)."""
    return [p for p in (tmp_path / "blobs" / "org" / org_id).rglob("*") if p.is_file()]


def is_empty(deps: Deps, org_id: str, tmp_path: Path) -> bool:
    """No business record and no blob of the organization."""
    return not any(backup(deps, org_id)["stats"].values()) and not blob_files(tmp_path, org_id)


# --- round trip -----------------------------------------------------------------------------------------------------


def test_restore_into_another_organization_reproduces_the_backup_and_the_books(deps: Deps, tenant: Tenant,
                                                                              api: LocalClient) -> None:
    # Given an organization with every kind of data, and an empty organization
    ids = populate(api)
    source = backup(deps, tenant.org_id)
    target = make_tenant(deps)

    # When its backup is restored into the empty one, and that one is backed up in turn
    result = restore(deps, target.org_id, wire(source))
    again = backup(deps, target.org_id)

    # Then both backups hold the same records, once the organization id is normalized
    assert result["files"] == 1
    assert result["restored"] == source["stats"]
    copy = normalized(again, target.org_id, tenant.org_id)
    assert copy["records"] == wire(source)["records"] and copy["stats"] == source["stats"]
    assert all(source["stats"][part] > 0 for part in (
        "clients", "invoices", "payments", "credit_notes", "quotes", "products", "projects", "expenses", "company",
        "sequences", "accounting.settings", "accounting.entries", "accounting.postings", "bank.accounts",
        "bank.transactions"))
    # and the restored organization answers like the original one
    theirs, ours = target.client, api
    account_path = f"/api/v1/bank/accounts/{ids['bank_account']}"
    assert ok(theirs.get(account_path), 200) == ok(ours.get(account_path), 200)
    invoice_path = f"/api/v1/invoices/{ids['invoice']}"
    assert ok(theirs.get(invoice_path), 200) == ok(ours.get(invoice_path), 200)
    balance = "/api/v1/accounting/trial-balance"
    assert ok(theirs.get(balance), 200) == ok(ours.get(balance), 200)
    assert ok(theirs.get("/api/v1/accounting/verify"), 200)["valid"] is True
    verification = verify_books(deps, target.org_id)
    assert verification.valid and verification.checked_entries > 0
    receipt = theirs.get(f"/api/v1/expenses/{ids['expense']}/receipt", headers={"Accept": "image/png"})
    assert receipt.status_code == 200 and receipt.body == PNG


def test_a_restored_organization_rebuilds_counters_and_keeps_numbering(deps: Deps, tenant: Tenant,
                                                                      api: LocalClient) -> None:
    # Given a restored copy of an organization with a client referred to by an invoice
    populate(api)
    target = make_tenant(deps)
    restore(deps, target.org_id, wire(backup(deps, tenant.org_id)))
    [client] = ok(target.client.get("/api/v1/clients"), 200)

    # Then lists count what was restored, the client cannot be deleted while documents refer to it,
    assert target.client.get("/api/v1/invoices").json()["meta"]["total"] == 2
    assert target.client.delete(f"/api/v1/clients/{client['id']}").status_code == 409
    # and the next invoice takes the number after the restored ones
    numbers = {i["invoice_number"] for i in ok(api.get("/api/v1/invoices"), 200)}
    assert len(numbers) == 2
    fresh = new_invoice(target.client, client["id"])
    assert fresh["invoice_number"] and fresh["invoice_number"] not in numbers


def test_backup_keeps_invoice_lines_and_receipt_files_without_storage_keys(deps: Deps, tenant: Tenant,
                                                                          api: LocalClient) -> None:
    ids = some_documents(api)

    document = backup(deps, tenant.org_id)

    [invoice] = [i for i in document["records"]["invoices"] if i["id"] == ids["invoice"]]
    assert [line["description"] for line in invoice["items"]] == ["Conseil", "Ouvrage"]
    assert "pk" not in dumps(document) and "gsi1pk" not in dumps(document)
    [expense] = document["records"]["expenses"]
    assert expense["receipt"]["blob_key"].startswith(f"org/{tenant.org_id}/expenses/{ids['expense']}/receipt/")
    assert expense["receipt_file"]["content_type"] == "image/png"
    assert base64.b64decode(expense["receipt_file"]["base64"]) == PNG
    assert document["format"] == "cashpilot-backup" and document["version"] == 2
    assert document["organization"]["id"] == tenant.org_id


def test_backup_leaves_out_access_control_and_idempotency_records(deps: Deps, tenant: Tenant,
                                                                 api: LocalClient) -> None:
    # Given a request replayable through its Idempotency-Key (a record with a ttl in its own partition)
    api.post("/api/v1/clients", json={"company_name": "Q"}, headers={"Idempotency-Key": unique("key")})

    document = backup(deps, tenant.org_id)

    assert [c["company_name"] for c in document["records"]["clients"]] == ["Q"]
    text = dumps(document)
    assert tenant.key not in text and "@example.com" not in text, "no key, no member"
    assert set(document["records"]) == {"company", "clients", "products", "projects", "quotes", "invoices",
                                        "credit_notes", "payments", "expenses", "sequences", "accounting", "bank"}


def test_restore_gives_the_target_the_backups_currency_and_time_zone(deps: Deps, tenant: Tenant,
                                                                    api: LocalClient) -> None:
    ok(api.put("/api/v1/company", json={"legal_name": "Sahel SA", "currency": "XOF"}), 200)
    new_client(api)
    target = make_tenant(deps)

    restore(deps, target.org_id, wire(backup(deps, tenant.org_id)))

    company = ok(target.client.get("/api/v1/company"), 200)
    assert company["currency"] == "XOF" and company["legal_name"] == "Sahel SA"
    assert backup(deps, target.org_id)["organization"]["currency"] == "XOF"


@pytest.mark.parametrize("body", [lambda answer: answer.json(), lambda answer: answer.json()["data"]],
                         ids=["the answer of GET /exports/backup", "the bare document"])
def test_post_imports_backup_takes_what_get_exports_backup_answers(deps: Deps, tenant: Tenant, api: LocalClient,
                                                                  body: Callable[[Any], Any]) -> None:
    some_documents(api)
    answer = api.get("/api/v1/exports/backup")
    target = make_tenant(deps)

    restored = target.client.post("/api/v1/imports/backup", json=body(answer))

    assert ok(restored)["restored"] == answer.json()["data"]["stats"]
    copy = normalized(ok(target.client.get("/api/v1/exports/backup"), 200), target.org_id, tenant.org_id)
    assert copy["records"] == answer.json()["data"]["records"]


# --- refusals -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("occupy", [
    lambda api: new_client(api),
    lambda api: ok(api.put("/api/v1/company", json={"legal_name": "Already here"}), 200),
], ids=["a client", "a company profile"])
def test_restore_into_an_organization_holding_data_is_refused_and_writes_nothing(
        deps: Deps, tenant: Tenant, api: LocalClient, other_tenant: Tenant, tmp_path: Path,
        occupy: Callable[[LocalClient], Any]) -> None:
    # Given a backup and an organization that already holds business data
    some_documents(api)
    document = wire(backup(deps, tenant.org_id))
    occupy(other_tenant.client)
    before = backup(deps, other_tenant.org_id)

    # When the backup is restored into it
    with pytest.raises(Conflict) as refused:
        restore(deps, other_tenant.org_id, document)

    # Then it is refused, and the organization is as it was
    assert refused.value.status == 409 and refused.value.code == "organization_not_empty"
    assert backup(deps, other_tenant.org_id)["records"] == before["records"]
    assert not blob_files(tmp_path, other_tenant.org_id)


def _records(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["records"]  # type: ignore[no-any-return]


def _foreign_client(doc: dict[str, Any], source: str, foreign: str) -> Any:
    _records(doc)["clients"][0]["org_id"] = foreign
    return doc


def _bad_company(doc: dict[str, Any], source: str, foreign: str) -> Any:
    _records(doc)["company"] = {"org_id": source}
    return doc


def _float_value(doc: dict[str, Any], source: str, foreign: str) -> Any:
    _records(doc)["invoices"][0]["items"][0]["unit_price"] = "not money"
    return doc


def _bad_base64(doc: dict[str, Any], source: str, foreign: str) -> Any:
    _records(doc)["expenses"][0]["receipt_file"]["base64"] = "not base64!"
    return doc


def _foreign_file(doc: dict[str, Any], source: str, foreign: str) -> Any:
    _records(doc)["expenses"][0]["receipt"]["blob_key"] = f"org/{foreign}/x"
    return doc


def _missing_field(doc: dict[str, Any], source: str, foreign: str) -> Any:
    del _records(doc)["clients"][0]["company_name"]
    return doc


MALFORMED: list[tuple[str, Callable[[dict[str, Any], str, str], Any], str, str]] = [
    ("not a dict", lambda doc, s, f: [doc], "document", "invalid_backup"),
    ("wrong format", lambda doc, s, f: {**doc, "format": "other-backup"}, "format", "unsupported_backup"),
    ("newer version", lambda doc, s, f: {**doc, "version": 3}, "version", "unsupported_backup"),
    ("organization id not a uuid", lambda doc, s, f: {**doc, "organization": {**doc["organization"], "id": "1"}},
     "organization.id", "invalid_backup"),
    ("record of another organization", _foreign_client, "records.clients[0].org_id", "invalid_backup"),
    ("record not an object", lambda doc, s, f: {**doc, "records": {**doc["records"], "clients": ["x"]}},
     "records.clients[0]", "invalid_backup"),
    ("unknown part", lambda doc, s, f: {**doc, "records": {**doc["records"], "secrets": []}}, "records.secrets",
     "invalid_backup"),
    ("records not an object", lambda doc, s, f: {**doc, "records": []}, "records", "invalid_backup"),
    ("missing field", _missing_field, "records.clients[0].company_name", "invalid_backup"),
    ("bad amount", _float_value, "records.invoices[0].items[0].unit_price", "invalid_backup"),
    ("bad company profile", _bad_company, "records.company.legal_name", "invalid_backup"),
    ("bad base64", _bad_base64, "records.expenses[0].receipt_file.base64", "invalid_backup"),
    ("file of another organization", _foreign_file, "records.expenses[0].receipt.blob_key", "invalid_backup"),
]


@pytest.mark.parametrize(("mutate", "path", "code"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_a_malformed_backup_is_refused_naming_the_path_and_writes_nothing(
        deps: Deps, tenant: Tenant, api: LocalClient, other_tenant: Tenant, tmp_path: Path,
        mutate: Callable[[dict[str, Any], str, str], Any], path: str, code: str) -> None:
    # Given a valid backup spoiled in one place
    some_documents(api)
    new_client(api)
    document = mutate(wire(backup(deps, tenant.org_id)), tenant.org_id, other_tenant.org_id)
    target = make_tenant(deps)

    # When it is restored
    with pytest.raises(ValidationFailed) as refused:
        restore(deps, target.org_id, document)

    # Then the 4xx names the spoiled path, and nothing was written
    assert refused.value.status == 422 and refused.value.code == code
    assert path in refused.value.details, refused.value.details
    assert is_empty(deps, target.org_id, tmp_path)
    assert is_empty(deps, other_tenant.org_id, tmp_path)


def test_a_second_record_with_the_same_id_is_refused(deps: Deps, tenant: Tenant, api: LocalClient,
                                                    tmp_path: Path) -> None:
    new_client(api)
    document = wire(backup(deps, tenant.org_id))
    document["records"]["clients"].append(dict(document["records"]["clients"][0]))
    target = make_tenant(deps)

    with pytest.raises(ValidationFailed) as refused:
        restore(deps, target.org_id, document)

    assert set(refused.value.details) == {"records.clients[1].id"}
    assert is_empty(deps, target.org_id, tmp_path)


def test_two_invoices_with_the_same_number_are_refused(deps: Deps, tenant: Tenant, api: LocalClient,
                                                      tmp_path: Path) -> None:
    populate(api)
    document = wire(backup(deps, tenant.org_id))
    first, second = document["records"]["invoices"]
    second["invoice_number"] = first["invoice_number"]
    target = make_tenant(deps)

    with pytest.raises(ValidationFailed) as refused:
        restore(deps, target.org_id, document)

    assert "records" in refused.value.details
    assert is_empty(deps, target.org_id, tmp_path)


# --- failures midway ------------------------------------------------------------------------------------------------


class FailingStore:
    """A store whose ``fail_at``-th transaction raises ``error``; every other call goes to the real store."""

    def __init__(self, inner: Store, fail_at: int, error: DomainError) -> None:
        self._inner = inner
        self._fail_at = fail_at
        self._error = error
        self.transactions = 0

    def transact(self, operations: Sequence[Operation]) -> None:
        self.transactions += 1
        if self.transactions == self._fail_at:
            raise self._error
        self._inner.transact(operations)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@pytest.mark.parametrize(("error", "kind", "code"), [
    (StoreError("disk I/O error"), StoreError, "restore_failed"),
    (Unavailable("throttled", code="store_busy"), Unavailable, "restore_unavailable"),
], ids=["store error", "unavailable"])
def test_a_failure_midway_removes_everything_already_written(deps: Deps, tenant: Tenant, api: LocalClient,
                                                            tmp_path: Path, error: DomainError,
                                                            kind: type[DomainError], code: str) -> None:
    # Given a backup large enough for several write batches (a product is two items: itself and its SKU claim),
    # and a store that fails on the second batch
    ids = populate(api)
    for _ in range(30):
        ok(api.post("/api/v1/products", json={"product_name": unique("P"), "sku": unique("SKU"),
                                              "unit_price": "1.00"}))
    document = wire(backup(deps, tenant.org_id))
    target = make_tenant(deps)
    failing = FailingStore(deps.store, fail_at=2, error=error)

    # When the restore runs into the failure
    with using(dataclasses.replace(deps, store=failing)) as faulty, pytest.raises(kind) as failed:
        restore(faulty, target.org_id, document)

    # Then a clean error comes out, and the earlier batches and the receipt are gone again
    assert failed.value.code == code and failed.value.__cause__ is error
    assert failing.transactions > 2, "compensation ran"
    assert is_empty(deps, target.org_id, tmp_path)
    assert target.client.get(f"/api/v1/invoices/{ids['invoice']}").status_code == 404
    # and the organization can then be restored for real
    restore(deps, target.org_id, document)
    assert verify_books(deps, target.org_id).valid


# --- large backups and isolation ------------------------------------------------------------------------------------


def test_write_backup_stores_a_large_document_and_answers_a_download_link(deps: Deps, tenant: Tenant,
                                                                         api: LocalClient) -> None:
    some_documents(api)

    stored = write_backup(deps, tenant.org_id, inline_limit=100)

    key = stored["blob_key"]
    assert key.startswith(f"org/{tenant.org_id}/backups/20260315T093000-") and key.endswith(".json")
    assert stored["download_url"].startswith(f"/downloads/{key}?expires=")
    content = deps.blobs.get(key)
    assert stored["size"] == len(content)
    assert json.loads(content) == wire(backup(deps, tenant.org_id))
    assert stored["stats"] == backup(deps, tenant.org_id)["stats"] and "records" not in stored


def test_write_backup_answers_a_small_document_inline(deps: Deps, tenant: Tenant, api: LocalClient) -> None:
    new_client(api)

    answer = write_backup(deps, tenant.org_id)

    assert answer == backup(deps, tenant.org_id)
    assert answer["created_at"] == "2026-03-15T09:30:00.000Z" and answer["stats"]["clients"] == 1


def test_a_backup_holds_nothing_of_another_organization(deps: Deps, tenant: Tenant, api: LocalClient,
                                                       other_tenant: Tenant) -> None:
    # Given two organizations with the same kinds of data
    populate(api)
    populate(other_tenant.client)

    document = backup(deps, tenant.org_id)

    assert other_tenant.org_id not in dumps(document)
    assert len(document["records"]["clients"]) == 1 and len(document["records"]["expenses"]) == 1
