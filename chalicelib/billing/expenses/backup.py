"""The expenses' share of a backup: one record per expense, its receipt file embedded in base64 under
``receipt_file`` (counter and the client's reference count are rebuilt)."""

from __future__ import annotations

import base64
import binascii
import logging
from typing import Any

from chalicelib.billing.expenses import repository as repo
from chalicelib.billing.expenses.models import Expense
from chalicelib.core.errors import NotFound
from chalicelib.store.backup_parts import PAGE, BadRecord, BlobFile, ModelPart, Record, Restoration, parsed, unique_ids
from chalicelib.store.blobs import check_key
from chalicelib.store.deps import Deps
from chalicelib.store.port import StoreError

log = logging.getLogger("cashpilot.backup")
FILE = "receipt_file"


def _file(deps: Deps, expense: Expense) -> dict[str, str] | None:
    if expense.receipt is None:
        return None
    try:
        data = deps.blobs.get(expense.receipt.blob_key)
    except NotFound:
        log.warning("receipt %s of an expense is missing from the blob store", expense.receipt.blob_key)
        return None
    except OSError as exc:
        raise StoreError("the blob store failed while reading a receipt", code="backup_failed") from exc
    return {"content_type": expense.receipt.content_type, "base64": base64.b64encode(data).decode("ascii")}


def _blob(org_id: str, i: int, expense: Expense, file: Any) -> BlobFile:
    if expense.receipt is None:
        raise BadRecord(f"[{i}].{FILE}", "an expense without a receipt has no receipt file")
    key = expense.receipt.blob_key
    try:
        check_key(key)
    except ValueError as exc:
        raise BadRecord(f"[{i}].receipt.blob_key", "is not a valid blob key") from exc
    if not key.startswith(f"org/{org_id}/"):
        raise BadRecord(f"[{i}].receipt.blob_key", "must be a blob key of the backed-up organization")
    if not isinstance(file, dict) or not isinstance(file.get("base64"), str):
        raise BadRecord(f"[{i}].{FILE}", "must be an object with base64 content")
    try:
        data = base64.b64decode(file["base64"], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadRecord(f"[{i}].{FILE}.base64", "is not valid base64") from exc
    return BlobFile(key, expense.receipt.content_type, data)


class ExpensesPart(ModelPart[Expense]):
    def export(self, deps: Deps, org_id: str) -> list[Record]:
        records = []
        for expense in self.models(deps, org_id):
            records.append(expense.model_dump(mode="json"))
            if (file := _file(deps, expense)) is not None:
                records[-1][FILE] = file
        return records

    def restore(self, org_id: str, records: Any) -> Restoration:
        expenses = parsed(Expense, records, org_id)
        unique_ids(expenses)
        restoration = Restoration(operations=[op for expense in expenses for op in repo.insert(expense)])
        for i, (expense, raw) in enumerate(zip(expenses, records, strict=True)):
            if isinstance(raw, dict) and raw.get(FILE) is not None:
                restoration.files.append(_blob(org_id, i, expense, raw[FILE]))
        return restoration


PART = ExpensesPart("expenses", Expense, lambda store, org_id, cursor: repo.query(store, org_id, limit=PAGE,
                                                                                  cursor=cursor),
                    repo.from_item, repo.insert)
