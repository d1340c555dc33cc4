"""Routes of ``/api/v1/expenses``: thin adapters over ``chalicelib.billing.expenses.service``.

The receipt upload takes the raw file as the body (``Content-Type`` image/jpeg, image/png, application/pdf or
image/heic; name in ``?file_name=`` or ``Content-Disposition``), or a JSON body ``{file_name, content_type,
content_base64}`` for clients that can only send JSON. The download answers the file when ``Accept`` names its
type or ``*/*``, and the receipt's metadata as JSON otherwise (Chalice refuses a binary answer to a request whose
``Accept`` names no binary type).
"""

from __future__ import annotations

import json
from decimal import Decimal
from email.message import Message
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from chalicelib.api.errors import from_validation
from chalicelib.api.pipeline import JSON
from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply, deleted
from chalicelib.billing.expenses import service
from chalicelib.billing.expenses.models import (
    ExpenseCreate,
    ExpenseListQuery,
    ExpenseOut,
    ExpensePatch,
    ReceiptOut,
    ReceiptQuery,
    ReceiptUpload,
    ReceiptUploadBody,
)
from chalicelib.core.errors import BadRequest
from chalicelib.store.pagination import Listing

group = RouteGroup("expenses", tag="Expenses")
route = group.route
BASE = "/api/v1/expenses"
ITEM = BASE + "/{expense_id}"
RECEIPT = ITEM + "/receipt"


@route("GET", BASE, operation_id="listExpenses", summary="List expenses", action="read", resource="orders",
       query=ExpenseListQuery, response=ExpenseOut, list_response=True,
       description="Newest expense date first. Filters: `category`, `start_date`/`end_date` (inclusive), "
                   "`client_id`, `supplier`, `search` (supplier, description, reference; accents and case "
                   "ignored). Paginated with `page`/`limit` or `cursor`.")
def list_expenses(ctx: Ctx) -> Listing:
    return service.list_expenses(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createExpense", summary="Record an expense", action="write", resource="orders",
       body=ExpenseCreate, response=ExpenseOut, status=201,
       description="Send `amount` (tax included) or `amount_ht` with `tax_rate` in percent; the other figures "
                   "are computed. Sending all three of amount, amount_ht and tax_amount requires "
                   "amount = amount_ht + tax_amount.")
def create_expense(ctx: Ctx) -> Any:
    return service.create_expense(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getExpense", summary="Get an expense", action="read", resource="orders",
       response=ExpenseOut)
def get_expense(ctx: Ctx) -> Any:
    return service.get_expense(ctx.deps, ctx.org_id, ctx.path["expense_id"])


@route("PUT", ITEM, operation_id="replaceExpense", summary="Replace an expense", action="write", resource="orders",
       body=ExpenseCreate, response=ExpenseOut,
       description="Every writable field is replaced; fields left out take their defaults.")
def replace_expense(ctx: Ctx) -> Any:
    return service.update_expense(ctx.deps, ctx.org_id, ctx.path["expense_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateExpense", summary="Update some fields of an expense", action="write",
       resource="orders", body=ExpensePatch, response=ExpenseOut)
def update_expense(ctx: Ctx) -> Any:
    return service.update_expense(ctx.deps, ctx.org_id, ctx.path["expense_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteExpense", summary="Delete an expense and its receipt", action="delete",
       resource="orders")
def delete_expense(ctx: Ctx) -> Any:
    service.delete_expense(ctx.deps, ctx.org_id, ctx.path["expense_id"])
    return deleted()


@route("PUT", RECEIPT, operation_id="uploadExpenseReceipt", summary="Attach the receipt file", action="write",
       resource="orders", query=ReceiptQuery, response=ExpenseOut,
       description="Body: the file itself (Content-Type image/jpeg, image/png, application/pdf or image/heic; at "
                   "most 10 MiB), or JSON `{file_name, content_type, content_base64}`. Replaces any previous "
                   "receipt. Answers the expense.")
def upload_receipt(ctx: Ctx) -> Any:
    return service.attach_receipt(ctx.deps, ctx.org_id, ctx.path["expense_id"], _upload(ctx))


@route("GET", RECEIPT, operation_id="getExpenseReceipt", summary="Download the receipt file", action="read",
       resource="orders", response=ReceiptOut,
       description="The file, with its content type, when `Accept` names that type or `*/*`; otherwise the "
                   "receipt's metadata as JSON.")
def get_receipt(ctx: Ctx) -> Any:
    receipt = service.open_receipt(ctx.deps, ctx.org_id, ctx.path["expense_id"])
    if not _wants_file(str(ctx.request.headers.get("accept") or ""), receipt.info.content_type):
        return receipt.info
    return Reply(receipt.read(), headers=_file_headers(receipt.info), raw=True)


@route("DELETE", RECEIPT, operation_id="deleteExpenseReceipt", summary="Remove the receipt file",
       action="delete", resource="orders")
def delete_receipt(ctx: Ctx) -> Any:
    service.remove_receipt(ctx.deps, ctx.org_id, ctx.path["expense_id"])
    return deleted()


group.seal()


# --- request and answer details of the receipt routes ------------------------------------------------------------


def _upload(ctx: Ctx) -> ReceiptUpload:
    raw = ctx.request.raw_body or b""
    data = raw.encode() if isinstance(raw, str) else raw
    headers = ctx.request.headers
    content_type = str(headers.get("content-type") or "").split(";")[0].strip().lower()
    if content_type == JSON:
        return _json_upload(data)
    name = ctx.query.file_name or _disposition_name(str(headers.get("content-disposition") or ""))
    return ReceiptUpload(data=data, content_type=content_type, file_name=name)


def _json_upload(data: bytes) -> ReceiptUpload:
    try:
        parsed = json.loads(data or b"{}", parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadRequest(f"the body is not valid JSON: {exc}", code="invalid_json") from exc
    try:
        return ReceiptUploadBody.model_validate(parsed).upload()
    except ValidationError as exc:
        raise from_validation(exc) from exc


def _disposition_name(header: str) -> str | None:
    if not header:
        return None
    message = Message()
    message["content-disposition"] = header
    return message.get_filename()


def _wants_file(accept: str, content_type: str) -> bool:
    """Whether ``Accept`` asks for the file: its first entry naming the file's type, ``*/*`` or JSON decides."""
    for entry in accept.split(","):
        media = entry.split(";")[0].strip().lower()
        if media in (content_type, "*/*"):
            return True
        if media == JSON:
            return False
    return False


def _file_headers(info: ReceiptOut) -> dict[str, str]:
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in info.file_name)
    disposition = f"inline; filename=\"{fallback}\"; filename*=UTF-8''{quote(info.file_name, safe='')}"
    return {"Content-Type": info.content_type, "Content-Disposition": disposition,
            "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-cache"}
