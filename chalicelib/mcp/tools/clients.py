"""Tools of the ``clients`` toolset: the seed's four client tools and ``update_client``, thin adapters over the
services behind ``/api/v1/clients``."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from chalicelib.billing import receivables
from chalicelib.billing.clients import service
from chalicelib.billing.clients.models import ClientCreate, ClientFields, ClientListQuery, ClientOut, ClientPatch
from chalicelib.billing.invoices import service as invoices
from chalicelib.billing.invoices.models import InvoiceListQuery
from chalicelib.billing.receivable_models import ClientBalance
from chalicelib.mcp.models import (
    ClientId,
    Confirm,
    Cursor,
    Deleted,
    IdempotencyKey,
    InvoiceBrief,
    like,
    page_fields,
    request,
)
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "clients"
RESOURCE = "customers"
RECENT_INVOICES = 10

class ClientList(BaseModel):
    clients: list[ClientOut]
    count: int = Field(description="Clients in this answer.")
    total: int = Field(description="Clients matching `search`, all pages together.")
    next_cursor: str | None = Field(description="Pass it as `cursor` for the next page; null on the last page.")


class ClientWithInvoices(BaseModel):
    client: ClientOut
    recent_invoices: list[InvoiceBrief] = Field(description="Its 10 most recent invoices, newest invoice date "
                                                            "first (drafts and cancelled included).")


class ClientCreated(BaseModel):
    created: bool
    client: ClientOut


@tool("list_clients", toolset=TOOLSET, title="List clients", action="read", resource=RESOURCE)
def list_clients(caller: Caller, *,
                 search: Annotated[str | None, like(ClientListQuery, "search",
                                                    "Words to find in company name, contact name or e-mail "
                                                    "(accents and case ignored).")] = None,
                 limit: Annotated[int, like(ClientListQuery, "limit", "Clients per page, at most 100.")] = 50,
                 cursor: Cursor = None) -> ClientList:
    """List the organization's clients (newest first), or find them by name, contact or e-mail with `search`.

    Use it to get a client's `id` before creating an invoice, a payment or a balance query, and to check whether a
    client already exists before `create_client`. Returns `{clients, count, total, next_cursor}`; pass
    `next_cursor` back as `cursor` for the next page.
    """
    query = request(ClientListQuery, search=search, limit=limit, cursor=cursor)
    listing = service.list_clients(caller.deps, caller.org_id, query)
    return ClientList(clients=listing.items, **page_fields(listing))


@tool("get_client", toolset=TOOLSET, title="Get a client", action="read", resource=RESOURCE)
def get_client(caller: Caller, *, client_id: ClientId) -> ClientWithInvoices:
    """Get one client's full record (contact, address, VAT number, payment terms, bank details...) and its 10 most
    recent invoices (number, dates, total, status, payment status, balance). For what it owes in total use
    `get_client_balance`. Returns `{client, recent_invoices}`.
    """
    client = service.get_client(caller.deps, caller.org_id, client_id)
    recent = invoices.list_invoices(caller.deps, caller.org_id,
                                    InvoiceListQuery(client_id=client.id, limit=RECENT_INVOICES))
    return ClientWithInvoices(client=client, recent_invoices=[InvoiceBrief.model_validate(inv, from_attributes=True)
                                                              for inv in recent.items])


@tool("create_client", toolset=TOOLSET, title="Create a client", action="write", resource=RESOURCE)
def create_client(caller: Caller, *,
                  company_name: Annotated[str, like(ClientFields, "company_name",
                                                    "Legal or trading name (required).")],
                  contact_name: Annotated[str | None, like(ClientFields, "contact_name", "Main contact person.")]
                  = None,
                  email: Annotated[str | None, Field(max_length=254, description="Billing e-mail address.")] = None,
                  address: Annotated[str | None, like(ClientFields, "address", "Street address.")] = None,
                  city: Annotated[str | None, like(ClientFields, "city", "City.")] = None,
                  postal_code: Annotated[str | None, like(ClientFields, "postal_code", "Postal code.")] = None,
                  country: Annotated[str | None, like(ClientFields, "country",
                                                      "Country name or ISO code (FR, BE, SN...).")] = None,
                  phone: Annotated[str | None, Field(max_length=40, description="Phone number.")] = None,
                  vat_number: Annotated[str | None, Field(max_length=40, description="VAT number with its country "
                                                                                     "prefix (FR12345678901).")]
                  = None,
                  notes: Annotated[str | None, like(ClientFields, "notes", "Internal notes.")] = None,
                  idempotency_key: IdempotencyKey = None) -> ClientCreated:
    """Create a client (a customer you invoice). Only `company_name` is required; the e-mail, phone and VAT number
    are checked (an invalid one is an error naming the field). Check first with `list_clients(search=...)` that the
    client does not exist yet: names need not be unique, so a second call creates a duplicate. Invoices use the
    client's preferred currency (EUR unless set otherwise). Returns `{created, client}` with the new `id`.
    """
    data = request(ClientCreate, company_name=company_name, contact_name=contact_name, email=email, address=address,
                   city=city, postal_code=postal_code, country=country, phone=phone, vat_number=vat_number,
                   notes=notes)
    return ClientCreated(created=True, client=service.create_client(caller.deps, caller.org_id, data))


@tool("get_client_balance", toolset=TOOLSET, title="What a client owes", action="read", resource=RESOURCE)
def get_client_balance(caller: Caller, *, client_id: ClientId) -> ClientBalance:
    """What a client owes: total invoiced (net of credit notes), total paid, outstanding and overdue amounts.

    Counts only issued invoices (sent, overdue, paid) in the client's currency; drafts and cancelled invoices owe
    nothing. Amounts are decimals in `currency`. For the invoices themselves use `list_invoices(client_id=...)`
    or `get_unpaid_invoices`.
    """
    return receivables.client_balance(caller.deps, caller.org_id, client_id)


@tool("update_client", toolset=TOOLSET, title="Edit a client", action="write", resource=RESOURCE, idempotent=True)
def update_client(caller: Caller, *, client_id: ClientId,
                  company_name: Annotated[str | None, like(ClientPatch, "company_name", "New name.")] = None,
                  contact_name: Annotated[str | None, like(ClientPatch, "contact_name", "Main contact person.")] = None,
                  email: Annotated[str | None, Field(max_length=254, description="Billing e-mail address.")] = None,
                  phone: Annotated[str | None, Field(max_length=40, description="Phone number.")] = None,
                  address: Annotated[str | None, like(ClientPatch, "address", "Street address.")] = None,
                  city: Annotated[str | None, like(ClientPatch, "city", "City.")] = None,
                  postal_code: Annotated[str | None, like(ClientPatch, "postal_code", "Postal code.")] = None,
                  country: Annotated[str | None, like(ClientPatch, "country", "Country name or ISO code.")] = None,
                  vat_number: Annotated[str | None, Field(max_length=40, description="VAT number with its country "
                                                                                     "prefix.")] = None,
                  payment_terms: Annotated[int | None, like(ClientPatch, "payment_terms",
                                                            "Payment term in days, used for new invoices' due "
                                                            "dates.")] = None,
                  preferred_currency: Annotated[str | None, Field(min_length=3, max_length=3,
                                                                  description="ISO 4217 code of the client's new "
                                                                              "invoices (EUR, XOF...).")] = None,
                  notes: Annotated[str | None, like(ClientPatch, "notes", "Internal notes.")] = None,
                  idempotency_key: IdempotencyKey = None) -> ClientOut:
    """Change some fields of a client; only the fields you pass change, and an empty string "" clears an optional
    text field. `company_name` cannot be cleared. Returns the updated client.
    """
    patch = request(ClientPatch, company_name=company_name, contact_name=contact_name, email=email, phone=phone,
                    address=address, city=city, postal_code=postal_code, country=country, vat_number=vat_number,
                    payment_terms=payment_terms, preferred_currency=preferred_currency, notes=notes)
    return service.update_client(caller.deps, caller.org_id, client_id, patch)


@tool("delete_client", toolset="admin", title="Delete a client", action="delete", resource=RESOURCE,
      destructive=True, idempotent=True)
def delete_client(caller: Caller, *, client_id: ClientId, confirm: Confirm = False,
                  idempotency_key: IdempotencyKey = None) -> Deleted:
    """Delete a client for good. Refused (`client_has_documents`) while invoices or other documents (quotes,
    payments, expenses, projects...) refer to it. Requires `confirm: true`. Returns `{success, id}`.
    """
    service.delete_client(caller.deps, caller.org_id, client_id)
    return Deleted(success=True, id=client_id)
