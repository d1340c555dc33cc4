"""Routes of ``/api/v1/quotes``: thin adapters over the quote services."""

from __future__ import annotations

from typing import Any

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply, deleted
from chalicelib.billing.invoices.models import InvoiceOut
from chalicelib.billing.quotes import service
from chalicelib.billing.quotes.models import QuoteConvert, QuoteCreate, QuoteListQuery, QuoteOut, QuotePatch
from chalicelib.store.pagination import Listing

group = RouteGroup("quotes", tag="Quotes")
route = group.route
BASE = "/api/v1/quotes"
ITEM = BASE + "/{quote_id}"
SCOPE = {"resource": "orders"}


@route("GET", BASE, operation_id="listQuotes", summary="List quotes", action="read", **SCOPE,
       query=QuoteListQuery, response=QuoteOut, list_response=True,
       description="Newest first. Filters: status, client_id, start_date/end_date (quote date, inclusive), search "
                   "(number, notes, reference, client name).")
def list_quotes(ctx: Ctx) -> Listing:
    return service.list_quotes(ctx.deps, ctx.org_id, ctx.query)


@route("POST", BASE, operation_id="createQuote", summary="Create a quote", action="write", **SCOPE,
       body=QuoteCreate, response=QuoteOut, status=201,
       description="Amounts as for invoices: `items` (totals computed) or `total_ht`, `tax_rate` and `total_ttc`. "
                   "Numbered at once (QUO-YYYY-NNNN) unless `quote_number` is given; `valid_until` defaults to "
                   "date + 30 days; `status` `sent` sends it.")
def create_quote(ctx: Ctx) -> Any:
    return service.create_quote(ctx.deps, ctx.org_id, ctx.body)


@route("GET", ITEM, operation_id="getQuote", summary="Get a quote", action="read", **SCOPE, response=QuoteOut)
def get_quote(ctx: Ctx) -> Any:
    return service.get_quote(ctx.deps, ctx.org_id, ctx.path["quote_id"])


@route("PUT", ITEM, operation_id="replaceQuote", summary="Replace a draft quote", action="write", **SCOPE,
       body=QuoteCreate, response=QuoteOut)
def replace_quote(ctx: Ctx) -> Any:
    return service.update_quote(ctx.deps, ctx.org_id, ctx.path["quote_id"], ctx.body)


@route("PATCH", ITEM, operation_id="updateQuote", summary="Update a quote or move its status", action="write",
       **SCOPE, body=QuotePatch, response=QuoteOut,
       description="Drafts: any field. Sent quotes: notes, reference, valid_until. `status` follows the "
                   "transitions draft→sent, sent→accepted|rejected|expired; accepted, rejected and expired are final.")
def update_quote(ctx: Ctx) -> Any:
    return service.update_quote(ctx.deps, ctx.org_id, ctx.path["quote_id"], ctx.body)


@route("DELETE", ITEM, operation_id="deleteQuote", summary="Delete a draft quote", action="delete", **SCOPE)
def delete_quote(ctx: Ctx) -> Any:
    service.delete_quote(ctx.deps, ctx.org_id, ctx.path["quote_id"])
    return deleted()


@route("POST", ITEM + "/convert", operation_id="convertQuote", summary="Convert a quote into an invoice",
       action="write", **SCOPE, body=QuoteConvert, response=InvoiceOut, status=201,
       description="Only sent or accepted quotes, once. The invoice gets the quote's lines (or stated totals), "
                   "client, currency, notes and reference; a draft unless `status` is `sent`. A sent quote becomes "
                   "accepted. Answers `{data: invoice, quote}`.")
def convert_quote(ctx: Ctx) -> Reply:
    converted = service.convert_quote(ctx.deps, ctx.org_id, ctx.path["quote_id"], ctx.body)
    return Reply({"data": converted.invoice, "quote": converted.quote}, status=201)


group.seal()
