"""Expense use cases: create, read, list with filters, replace or patch, delete, and the receipt file.

Each write is one transaction holding the change, the ``meta.total`` counter, the client's reference counter (so
a client with expenses cannot be deleted) and the outbox event.

Receipts: the file cannot join a store transaction, so the order is (1) write the file under a new key of its
own, (2) commit the expense's receipt metadata with ``ExpectedVersion``, (3) only then delete the file the
previous version pointed to. If (2) fails on a version conflict, the new file is deleted (nothing points to it)
and the old one is left alone (the stored expense still points to it). A crash between the steps leaves at worst
an unreferenced file, never an expense pointing to a missing or foreign one.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chalicelib.auth.calendar import org_today
from chalicelib.billing.clients.service import require_client, still_exists
from chalicelib.billing.expenses import repository as repo
from chalicelib.billing.expenses.models import (
    MAX_RECEIPT_BYTES,
    MONEY_FIELDS,
    RECEIPT_TYPES,
    Expense,
    ExpenseCreate,
    ExpenseListQuery,
    ExpenseOut,
    ExpensePatch,
    ReceiptOut,
    ReceiptUpload,
    StoredReceipt,
    settle_amounts,
)
from chalicelib.core.errors import (
    Conflict,
    NotFound,
    UnsupportedMediaType,
    ValidationFailed,
    field_error,
)
from chalicelib.core.ids import is_uuid
from chalicelib.core.text import fold
from chalicelib.store.blobs import BlobStore
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, all_items, fetch_page, page_of_matches
from chalicelib.store.port import Item, Operation, Page
from chalicelib.store.unit import commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

if TYPE_CHECKING:
    from chalicelib.ledger.posting import Posting

log = logging.getLogger("cashpilot.expenses")
_WALK_BATCH = 1000
_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf", "image/heic": "heic"}
_HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    "image/jpeg": lambda data: data.startswith(b"\xff\xd8\xff"),
    "image/png": lambda data: data.startswith(b"\x89PNG\r\n\x1a\n"),
    "application/pdf": lambda data: b"%PDF-" in data[:1024],
    "image/heic": lambda data: data[4:8] == b"ftyp" and data[8:12] in _HEIC_BRANDS,
}
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f]")


def _event(deps: Deps, expense: Expense, type_: str, payload: dict[str, Any]) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=expense.org_id, type=type_, entity="expense",
                              entity_id=expense.id, payload=payload, occurred_at=deps.clock.now()))


def to_out(expense: Expense) -> ExpenseOut:
    fields = {name: getattr(expense, name) for name in ExpenseOut.model_fields}
    if expense.receipt is not None:
        fields["receipt"] = ReceiptOut.model_construct(**{n: getattr(expense.receipt, n)
                                                          for n in ReceiptOut.model_fields})
    return ExpenseOut.model_construct(**fields)


def require_expense(deps: Deps, org_id: str, expense_id: str) -> Expense:
    """The expense, or ``NotFound`` (also for ids of other organizations: they are simply not there)."""
    expense = repo.get(deps.store, org_id, expense_id) if is_uuid(expense_id) else None
    if expense is None:
        raise NotFound(f"expense {expense_id} not found", code="expense_not_found")
    return expense


def _check_client(deps: Deps, org_id: str, client_id: str | None) -> list[Operation]:
    """The client must be the organization's, now and when the expense commits (the returned check)."""
    if client_id is None:
        return []
    try:
        client = require_client(deps, org_id, client_id)
    except NotFound as exc:
        raise field_error("client_id", f"{client_id} is not one of your clients") from exc
    return [still_exists(client)]


def create_expense(deps: Deps, org_id: str, data: ExpenseCreate) -> ExpenseOut:
    client_check = _check_client(deps, org_id, data.client_id)
    amounts = settle_amounts(data.amount, data.amount_ht, data.tax_amount, data.tax_rate, data.currency)
    now = deps.clock.now()
    expense = Expense(**{**data.model_dump(), **dataclasses.asdict(amounts)}, id=deps.new_id(), org_id=org_id,
                      created_at=now, updated_at=now)
    out = to_out(expense)

    def attempt() -> None:
        from chalicelib.billing import posting_rules as rules  # lazy: loads the books, needed only to post
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        posting.post(rules.purchase(expense))
        _commit(deps, [*repo.insert(expense), _event(deps, expense, "expense.created", out.model_dump(mode="json"))],
                posting, client_check)

    retrying(deps.store, attempt)
    return out


def get_expense(deps: Deps, org_id: str, expense_id: str) -> ExpenseOut:
    return to_out(require_expense(deps, org_id, expense_id))


def _amounts_after(current: Expense, changes: dict[str, Any], partial: bool) -> dict[str, Any]:
    """The money fields after a PUT (``partial=False``) or a PATCH; empty when a PATCH leaves them alone."""
    if partial and not changes.keys() & {*MONEY_FIELDS, "tax_rate", "currency"}:
        return {}
    sent = {name: changes.get(name) for name in MONEY_FIELDS}
    if partial and sent["amount"] is None and sent["amount_ht"] is None:
        sent["amount"] = current.amount
    amounts = settle_amounts(sent["amount"], sent["amount_ht"], sent["tax_amount"],
                             changes.get("tax_rate", current.tax_rate), changes.get("currency", current.currency))
    return dataclasses.asdict(amounts)


def update_expense(deps: Deps, org_id: str, expense_id: str, data: ExpenseCreate | ExpensePatch) -> ExpenseOut:
    """PUT (``ExpenseCreate``: every field replaced) or PATCH (``ExpensePatch``: only the fields sent).

    When the change alters what the books hold (date, amounts, category, payment method, ...), its purchase entry
    is reversed and the expense posted again, in the same transaction.
    """
    current = require_expense(deps, org_id, expense_id)
    partial = isinstance(data, ExpensePatch)
    changes = data.model_dump(exclude_unset=partial)
    client_check: list[Operation] = []
    if changes.get("client_id", current.client_id) != current.client_id:
        client_check = _check_client(deps, org_id, changes["client_id"])
    update = {**changes, **_amounts_after(current, changes, partial)}
    updated = current.model_copy(update={**update, "updated_at": deps.clock.now(), "version": current.version + 1})
    out = to_out(updated)
    event = _event(deps, updated, "expense.updated", {**out.model_dump(mode="json"), "changed": sorted(changes)})

    def attempt() -> None:
        from chalicelib.billing import posting_rules as rules  # lazy: loads the books, needed only to post
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        before, after = rules.purchase(current), rules.purchase(updated)
        if rules.in_books(before) != rules.in_books(after):  # a label-only change leaves the books alone
            posting.reverse("expense", current.id, event="expense.updated", day=org_today(deps, org_id))
            posting.post(dataclasses.replace(after, event="expense.updated"))
        _commit(deps, [*repo.replace(updated, current), event], posting, client_check)

    retrying(deps.store, attempt)
    return out


def _commit(deps: Deps, ops: list[Operation], posting: Posting | None = None,
            client_check: Sequence[Operation] = ()) -> None:
    """Apply one write with its postings. A failed client check means the client was deleted meanwhile (422); a
    failed precondition on the expense is a concurrent change of it (409); one on the books (another posting took
    the next number) runs the attempt again."""
    changed = Conflict("the expense was changed concurrently; fetch it again and retry", code="version_conflict")
    gone = field_error("client_id", "the client was deleted meanwhile")
    commit(deps.store, [*((op, changed) for op in ops), *(posting.steps() if posting else []),
                        *((op, gone) for op in client_check)])


def delete_expense(deps: Deps, org_id: str, expense_id: str) -> None:
    """Remove an expense; its purchase entry is reversed (posted entries are never deleted)."""
    expense = require_expense(deps, org_id, expense_id)
    event = _event(deps, expense, "expense.deleted", {"id": expense.id, "expense_date": str(expense.expense_date),
                                                      "amount": str(expense.amount)})

    def attempt() -> None:
        from chalicelib.ledger.posting import Posting  # lazy: the books load with the first write that posts
        posting = Posting.open(deps, org_id)
        posting.reverse("expense", expense.id, event="expense.deleted", day=org_today(deps, org_id))
        _commit(deps, [*repo.remove(expense), event], posting)

    retrying(deps.store, attempt)
    if expense.receipt is not None:
        _discard_file(deps, expense.receipt.blob_key)


# --- listing -----------------------------------------------------------------------------------------------------


def list_expenses(deps: Deps, org_id: str, params: ExpenseListQuery) -> Listing:
    """Newest expense date first by default. Without filters: O(page) with the ``meta.total`` counter. With
    filters: one read of the key range they select (all dates, or ``start_date..end_date``, of the organization or
    of ``client_id``), the other filters applied to it; ``total`` counts the matches and the cursor is their offset.
    """

    def query(limit: int, cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, client_id=params.client_id, start=params.start_date,
                          end=params.end_date, newest_first=params.sort.startswith("-"), limit=limit, cursor=cursor)

    filtered = any(v is not None for v in (params.category, params.start_date, params.end_date, params.client_id))
    if filtered or fold(params.supplier) or fold(params.search):
        return _filtered(query, params)
    page, number = fetch_page(query, params)
    return Listing(items=[to_out(repo.from_item(i)) for i in page.items], page=number, limit=params.limit,
                   total=repo.count(deps.store, org_id), next_cursor=page.next_cursor)


def _filtered(query: Callable[[int, str | None], Page], params: ExpenseListQuery) -> Listing:
    supplier, needle = fold(params.supplier), fold(params.search)

    def keep(item: Item) -> bool:
        return ((params.category is None or item.get("category") == params.category)
                and supplier in fold(item.get("supplier")) and needle in item.get("search_text", ""))

    matches = [i for i in all_items(lambda cursor: query(_WALK_BATCH, cursor)) if keep(i)]
    return page_of_matches(matches, params, lambda item: to_out(repo.from_item(item)))


# --- receipts ----------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceiptFile:
    """A stored receipt: its metadata, and its bytes on demand."""

    info: ReceiptOut
    blob_key: str
    blobs: BlobStore

    def read(self) -> bytes:
        return self.blobs.get(self.blob_key)


def _checked_type(upload: ReceiptUpload) -> str:
    media = upload.content_type.split(";")[0].strip().lower()
    if media not in RECEIPT_TYPES:
        raise UnsupportedMediaType(f"a receipt must be one of {', '.join(RECEIPT_TYPES)}; got {media or 'nothing'}",
                                   details={"content-type": [media], "allowed": list(RECEIPT_TYPES)})
    if not upload.data:
        raise field_error("body", "the file is empty", code="empty_receipt")
    if len(upload.data) > MAX_RECEIPT_BYTES:
        raise ValidationFailed(f"a receipt is at most {MAX_RECEIPT_BYTES} bytes (10 MiB)", code="receipt_too_large",
                               details={"body": [f"{len(upload.data)} bytes; at most {MAX_RECEIPT_BYTES}"]})
    if not _SIGNATURES[media](upload.data):
        raise field_error("body", f"the file's content is not {media}", code="receipt_content_mismatch")
    return media


def _file_name(upload: ReceiptUpload, media: str) -> str:
    name = _UNSAFE_NAME.sub("", (upload.file_name or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()[:255]
    return name or f"receipt.{_EXTENSIONS[media]}"


def _discard_file(deps: Deps, key: str) -> None:
    """Delete a file no expense points to any more; the change is done, so a failure here is only logged."""
    try:
        deps.blobs.delete(key)
    except Exception:
        log.warning("receipt file %s not deleted; it is unreferenced", key, exc_info=True)


def attach_receipt(deps: Deps, org_id: str, expense_id: str, upload: ReceiptUpload) -> ExpenseOut:
    """Store the file, then point the expense to it (see the module docstring for the order and failures)."""
    first = require_expense(deps, org_id, expense_id)
    media = _checked_type(upload)
    now = deps.clock.now()
    key = repo.receipt_key(org_id, first.id, deps.new_id())
    receipt = StoredReceipt(file_name=_file_name(upload, media), content_type=media, size=len(upload.data),
                            uploaded_at=now, blob_key=key)
    deps.blobs.put(key, upload.data, media)

    def attempt() -> tuple[ExpenseOut, Expense]:
        current = require_expense(deps, org_id, expense_id)
        updated = current.model_copy(update={"receipt": receipt, "updated_at": now, "version": current.version + 1})
        out = to_out(updated)
        event = _event(deps, updated, "expense.receipt_attached",
                       {"id": updated.id, "receipt": out.receipt.model_dump(mode="json") if out.receipt else None})
        commit(deps.store, plain([*repo.replace(updated, current), event]))
        return out, current

    try:
        out, replaced = retrying(deps.store, attempt)
    except Exception:
        _discard_file(deps, key)
        raise
    if replaced.receipt is not None:
        _discard_file(deps, replaced.receipt.blob_key)
    return out


def _require_receipt(expense: Expense) -> StoredReceipt:
    if expense.receipt is None:
        raise NotFound(f"expense {expense.id} has no receipt", code="receipt_not_found")
    return expense.receipt


def open_receipt(deps: Deps, org_id: str, expense_id: str) -> ReceiptFile:
    receipt = _require_receipt(require_expense(deps, org_id, expense_id))
    info = ReceiptOut.model_construct(**{n: getattr(receipt, n) for n in ReceiptOut.model_fields})
    return ReceiptFile(info=info, blob_key=receipt.blob_key, blobs=deps.blobs)


def remove_receipt(deps: Deps, org_id: str, expense_id: str) -> None:
    current = require_expense(deps, org_id, expense_id)
    receipt = _require_receipt(current)
    updated = current.model_copy(update={"receipt": None, "updated_at": deps.clock.now(),
                                         "version": current.version + 1})
    event = _event(deps, updated, "expense.updated", {**to_out(updated).model_dump(mode="json"),
                                                      "changed": ["receipt"]})
    _commit(deps, [*repo.replace(updated, current), event])
    _discard_file(deps, receipt.blob_key)
