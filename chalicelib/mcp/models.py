"""What the MCP tool modules share: the toolsets, the parameter types used by many tools, the small output models
several tools return, and the one helper that turns tool arguments into a service's request model.

Toolsets: every tool belongs to exactly one. ``DEFAULT_TOOLSETS`` hold the seed's 26 tools and the few most useful
others (served when ``?toolsets=`` is absent); the other toolsets are opt-in (``?toolsets=quotes,books`` or
``all``). Destructive tools (deletes, cancellations, restore) live outside the defaults, in ``admin`` and in the
toolset of their document type.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, TypeVar

import annotated_types
from pydantic import BaseModel, Field, ValidationError
from pydantic.fields import FieldInfo

from chalicelib.core.money import Money
from chalicelib.mcp.errors import invalid_arguments
from chalicelib.store.pagination import Listing, PageQuery

DEFAULT_TOOLSETS: tuple[str, ...] = ("invoices", "clients", "payments", "accounting", "analytics", "exports")
EXTRA_TOOLSETS: tuple[str, ...] = ("quotes", "credit_notes", "expenses", "products", "projects", "company", "books",
                                   "banking", "webhooks", "admin")
ALL_TOOLSETS: tuple[str, ...] = DEFAULT_TOOLSETS + EXTRA_TOOLSETS

# --- the rules of a request model, for the tool parameters that feed it ------------------------------------

_BOUNDS = (annotated_types.MinLen, annotated_types.MaxLen, annotated_types.Gt, annotated_types.Ge, annotated_types.Lt,
           annotated_types.Le, annotated_types.MultipleOf)
_BOUND_NAMES = ("min_length", "max_length", "gt", "ge", "lt", "le", "multiple_of")


def rules(model: type[BaseModel], name: str) -> dict[str, Any]:
    """The constraints ``model`` declares on its field ``name`` (lengths, bounds, pattern) as ``Field`` keyword
    arguments, so a tool parameter feeding that field publishes the request model's rules instead of a copy
    (``like(ClientFields, "company_name", "...")``). Rules kept inside a validator type (e-mail,
    currency code...) are not declared constraints; a tool states its own schema hints for those."""
    found: dict[str, Any] = {}
    for item in model.model_fields[name].metadata:
        if isinstance(item, _BOUNDS):
            found |= {key: getattr(item, key) for key in _BOUND_NAMES if hasattr(item, key)}
        elif isinstance(getattr(item, "pattern", None), str):
            found["pattern"] = item.pattern
    return found


def like(model: type[BaseModel], name: str, description: str) -> Any:
    """``Field(description=...)`` with the rules ``model`` declares on ``name`` (see ``rules``)."""
    info: FieldInfo = Field(**rules(model, name), description=description)
    return info


# --- parameter types shared by several tools -------------------------------------------------------------------

InvoiceId = Annotated[str, Field(min_length=1, max_length=64,
                                 description="The invoice's `id` (a UUID, as returned by list_invoices or "
                                             "search_invoices), not its number.")]
ClientId = Annotated[str, Field(min_length=1, max_length=64,
                                description="The client's `id` (a UUID, as returned by list_clients or "
                                            "create_client), not its name.")]
Cursor = Annotated[str | None, like(PageQuery, "cursor", "`next_cursor` of the previous answer, to get the next page; "
                                                        "omit for the first page.")]
IdempotencyKey = Annotated[str | None, Field(max_length=255,
                                             description="Optional unique string (e.g. a UUID) for this change: "
                                                         "retrying with the same key and arguments within 24 h "
                                                         "replays the first result instead of doing it twice.")]
Confirm = Annotated[bool, Field(description="Must be true: confirms the irreversible change described by this tool; "
                                            "ask the user before setting it.")]
StartDate = Annotated[dt.date | None, Field(description="First day included (YYYY-MM-DD).")]
EndDate = Annotated[dt.date | None, Field(description="Last day included (YYYY-MM-DD).")]

# --- output models shared by several tools ---------------------------------------------------------------------


class Deleted(BaseModel):
    """The answer of every delete tool (REST answers ``{"success": true}``)."""

    success: bool = Field(description="Always true: the item is gone.")
    id: str = Field(description="Id of the deleted item.")


class ClientRef(BaseModel):
    id: str
    company_name: str | None = None


class InvoiceBrief(BaseModel):
    """An invoice in a summary list: number, dates, total, status and what remains to pay."""

    id: str
    invoice_number: str | None = Field(description="Null while a draft has no number yet.")
    date: dt.date
    due_date: dt.date
    status: str
    payment_status: str
    total_ttc: Money = Field(description="Total including VAT, in `currency`.")
    balance_due: Money = Field(description="What remains to pay after payments and credit notes.")
    currency: str


def page_fields(listing: Listing) -> dict[str, Any]:
    """``count``, ``total`` and ``next_cursor`` of a list tool's answer, from the service's page."""
    return {"count": len(listing.items), "total": listing.total, "next_cursor": listing.next_cursor}


# --- tool arguments to request models ---------------------------------------------------------------------------

R = TypeVar("R", bound=BaseModel)


def request(model: type[R], **values: Any) -> R:
    """The service's request model built from the arguments that were given (``None`` means "not given", so patch
    models see only the fields the caller set). A rule broken here fails like the tool's own arguments, naming the
    field (``validation_error: items.0.unit_price: ...``), so a model can correct its call."""
    try:
        return model.model_validate({name: value for name, value in values.items() if value is not None})
    except ValidationError as exc:
        raise invalid_arguments(exc) from exc
