"""Resources: documents an agent can read by URI, from the same services as the REST routes and tools, with the
caller of the request (its organization and scopes).

| URI                                          | content                                             | scope          |
|----------------------------------------------|-----------------------------------------------------|----------------|
| ``cashpilot://invoices/{invoice_id}``        | the ``data`` of ``GET /api/v1/invoices/{id}`` (JSON) | read on orders |
| ``cashpilot://exports/fec/{fiscal_year}``    | the FEC of the fiscal year closing that year (text) | read           |
| ``cashpilot://exports/facturx/{invoice_id}`` | the invoice's Factur-X CII XML, EN 16931 profile    | read on orders |
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from mcp.server import MCPServer
from mcp.server.mcpserver import Context

from chalicelib.auth.scopes import Action
from chalicelib.billing.invoices import service as invoices
from chalicelib.core.errors import field_error
from chalicelib.core.serialization import dumps
from chalicelib.exports import service as exports
from chalicelib.mcp import errors
from chalicelib.mcp.caller import RequestCaller, authorize, caller_of

Reader = Callable[[RequestCaller], str]


async def _read(context: Context, uri: str, action: Action, resource: str | None, reader: Reader) -> str:
    who = caller_of(context)

    def run() -> str:
        try:
            authorize(who.principal, action, resource, uri)
            return reader(who)
        except Exception as exc:
            raise errors.resource_failure(exc, uri, who.request_id) from None

    return await who.inbox.run(run)  # off the event loop, like a tool's work


def _text(export: exports.ExportFile) -> str:
    return b"".join(export.chunks).decode("utf-8")


def _invoice(invoice_id: str, who: RequestCaller) -> str:
    return dumps(invoices.invoice_detail(who.deps, who.principal.org_id, invoice_id))


def _fec(fiscal_year: str, who: RequestCaller) -> str:
    if not (fiscal_year.isdigit() and 1900 <= int(fiscal_year) <= 2999):
        raise field_error("fiscal_year", "must be a year such as 2026")
    return _text(exports.fec_export(who.deps, who.principal.org_id, None, None, int(fiscal_year)))


def _facturx(invoice_id: str, who: RequestCaller) -> str:
    return _text(exports.facturx_export(who.deps, who.principal.org_id, invoice_id, "EN16931", "xml"))


def register(server: MCPServer) -> None:
    @server.resource("cashpilot://invoices/{invoice_id}", name="invoice", title="Invoice",
                     description="An invoice with its lines, VAT breakdown, client and payments (JSON, amounts as "
                                 "decimal numbers).", mime_type="application/json")
    async def invoice(invoice_id: str, mcp_context: Context) -> str:
        return await _read(mcp_context, f"cashpilot://invoices/{invoice_id}", "read", "orders",
                           partial(_invoice, invoice_id))

    @server.resource("cashpilot://exports/fec/{fiscal_year}", name="fec", title="FEC of a fiscal year",
                     description="The FEC (fichier des écritures comptables) of the fiscal year closing in "
                                 "`fiscal_year`: pipe-separated text, 18 columns. Needs the company's SIREN.",
                     mime_type="text/plain")
    async def fec(fiscal_year: str, mcp_context: Context) -> str:
        return await _read(mcp_context, f"cashpilot://exports/fec/{fiscal_year}", "read", None,
                           partial(_fec, fiscal_year))

    @server.resource("cashpilot://exports/facturx/{invoice_id}", name="facturx", title="Factur-X XML of an invoice",
                     description="The Factur-X CII XML (EN 16931 profile) of an issued invoice.",
                     mime_type="application/xml")
    async def facturx(invoice_id: str, mcp_context: Context) -> str:
        return await _read(mcp_context, f"cashpilot://exports/facturx/{invoice_id}", "read", "orders",
                           partial(_facturx, invoice_id))
