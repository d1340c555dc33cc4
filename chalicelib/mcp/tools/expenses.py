"""Tools of the ``expenses`` toolset: list, read, record, edit and delete expenses; thin adapters over
``chalicelib.billing.expenses.service`` as the ``/api/v1/expenses`` routes are (receipt files stay REST-only)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing.expenses import service
from chalicelib.billing.expenses.models import (
    Category,
    ExpenseCreate,
    ExpenseListQuery,
    ExpenseOut,
    ExpensePatch,
    PaymentMethod,
)
from chalicelib.core.models import Day
from chalicelib.core.money import PositiveAmount, RatePercent
from chalicelib.mcp.models import (
    Confirm,
    Cursor,
    Deleted,
    EndDate,
    IdempotencyKey,
    StartDate,
    like,
    page_fields,
    request,
)
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "expenses"
RESOURCE = "orders"

ExpenseId = Annotated[str, Field(min_length=1, max_length=64, description="The expense's `id` (from list_expenses).")]
Amount = Annotated[PositiveAmount | None, Field(description="Total paid including VAT (TTC), a decimal.")]
AmountHt = Annotated[PositiveAmount | None, Field(description="Amount excluding VAT (HT), a decimal.")]
TaxAmount = Annotated[PositiveAmount | None, Field(description="Deductible VAT included in `amount`.")]
Supplier = Annotated[str | None, like(ExpenseCreate, "supplier", "Who was paid.")]
Description = Annotated[str | None, like(ExpenseCreate, "description", "What was bought.")]
Reference = Annotated[str | None, like(ExpenseCreate, "reference", "Supplier invoice or receipt number.")]
Method = Annotated[PaymentMethod | None, Field(description="How it was paid.")]
ForClient = Annotated[str | None, like(ExpenseCreate, "client_id", "Id of the client the expense was incurred for.")]
Currency = Annotated[str | None, Field(min_length=3, max_length=3, description="ISO 4217 code. Default: EUR.")]


class ExpenseList(BaseModel):
    expenses: list[ExpenseOut]
    count: int = Field(description="Expenses in this answer.")
    total: int = Field(description="Expenses matching the filters, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


@tool("list_expenses", toolset=TOOLSET, title="List expenses", action="read", resource=RESOURCE)
def list_expenses(caller: Caller, *,
                  category: Annotated[Category | None, Field(description="Only this category.")] = None,
                  start_date: StartDate = None, end_date: EndDate = None,
                  client_id: Annotated[str | None, like(ExpenseListQuery, "client_id", "Only this client's.")] = None,
                  supplier: Annotated[str | None, like(ExpenseListQuery, "supplier", "Words in the supplier.")]
                  = None,
                  search: Annotated[str | None, like(ExpenseListQuery, "search",
                                                     "Words in supplier, description or reference.")] = None,
                  limit: Annotated[int, like(ExpenseListQuery, "limit", "Per page, at most 100.")] = 50,
                  cursor: Cursor = None) -> ExpenseList:
    """List expenses, newest expense date first (the day paid), by category, date range, client, supplier or
    words. Each has `amount` (TTC), `amount_ht`, `tax_amount` (decimals in its `currency`) and `tax_rate` in
    percent. Returns `{expenses, count, total, next_cursor}`.
    """
    query = request(ExpenseListQuery, category=category, start_date=start_date, end_date=end_date,
                    client_id=client_id, supplier=supplier, search=search, limit=limit, cursor=cursor)
    listing = service.list_expenses(caller.deps, caller.org_id, query)
    return ExpenseList(expenses=listing.items, **page_fields(listing))


@tool("get_expense", toolset=TOOLSET, title="Get an expense", action="read", resource=RESOURCE)
def get_expense(caller: Caller, *, expense_id: ExpenseId) -> ExpenseOut:
    """Get one expense with its amounts, category, supplier and the metadata of its receipt file, if any."""
    return service.get_expense(caller.deps, caller.org_id, expense_id)


@tool("create_expense", toolset=TOOLSET, title="Record an expense", action="write", resource=RESOURCE)
def create_expense(caller: Caller, *,
                   expense_date: Annotated[Day, Field(description="Day it was paid (YYYY-MM-DD).")],
                   amount: Amount = None, amount_ht: AmountHt = None, tax_amount: TaxAmount = None,
                   tax_rate: Annotated[RatePercent, Field(description="VAT rate in percent (20 for 20 %).",
                                                          json_schema_extra={"default": 0})] = Decimal(0),
                   category: Annotated[Category, Field(description="Kind of expense.")] = "general",
                   supplier: Supplier = None, description: Description = None, reference: Reference = None,
                   payment_method: Method = None, client_id: ForClient = None,
                   refacturable: Annotated[bool, Field(description="Whether it is to be re-invoiced to the "
                                                                   "client.")] = False,
                   currency: Currency = None,
                   idempotency_key: IdempotencyKey = None) -> ExpenseOut:
    """Record an expense. Give `amount` (TTC) or `amount_ht` (HT), with `tax_rate` in percent: the other figures
    are computed with half-up rounding (amount_ht = amount / (1 + rate/100)). Giving amount, amount_ht and
    tax_amount requires amount = amount_ht + tax_amount. Once accounting is initialized the expense is posted to
    the purchases journal. Returns the expense.
    """
    data = request(ExpenseCreate, expense_date=expense_date, amount=amount, amount_ht=amount_ht,
                   tax_amount=tax_amount, tax_rate=tax_rate, category=category, supplier=supplier,
                   description=description, reference=reference, payment_method=payment_method, client_id=client_id,
                   refacturable=refacturable, currency=currency)
    return service.create_expense(caller.deps, caller.org_id, data)


@tool("update_expense", toolset=TOOLSET, title="Edit an expense", action="write", resource=RESOURCE,
      idempotent=True)
def update_expense(caller: Caller, *, expense_id: ExpenseId,
                   expense_date: Annotated[Day | None, Field(description="New day paid.")] = None,
                   amount: Amount = None, amount_ht: AmountHt = None, tax_amount: TaxAmount = None,
                   tax_rate: Annotated[RatePercent | None, Field(description="New VAT rate in percent.")] = None,
                   category: Annotated[Category | None, Field(description="New category.")] = None,
                   supplier: Supplier = None, description: Description = None, reference: Reference = None,
                   payment_method: Method = None, client_id: ForClient = None,
                   refacturable: Annotated[bool | None, Field(description="Whether it is to be re-invoiced.")]
                   = None,
                   currency: Currency = None,
                   idempotency_key: IdempotencyKey = None) -> ExpenseOut:
    """Change some fields of an expense; only the fields you pass change ("" clears an optional text). Amounts
    are recomputed when a money field, `tax_rate` or `currency` is given; without amount nor amount_ht the paid
    `amount` is kept. Returns the expense.
    """
    patch = request(ExpensePatch, expense_date=expense_date, amount=amount, amount_ht=amount_ht,
                    tax_amount=tax_amount, tax_rate=tax_rate, category=category, supplier=supplier,
                    description=description, reference=reference, payment_method=payment_method,
                    client_id=client_id, refacturable=refacturable, currency=currency)
    return service.update_expense(caller.deps, caller.org_id, expense_id, patch)


@tool("delete_expense", toolset=TOOLSET, title="Delete an expense", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_expense(caller: Caller, *, expense_id: ExpenseId, confirm: Confirm = False,
                   idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete an expense and its receipt file for good. Requires `confirm: true`. Returns `{success, id}`."""
    service.delete_expense(caller.deps, caller.org_id, expense_id)
    return Deleted(success=True, id=expense_id)
