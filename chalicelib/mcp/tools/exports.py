"""Tools of the ``exports`` toolset (FEC, SAF-T, Factur-X, backup) and ``restore_backup`` (in ``admin``): thin
adapters over ``chalicelib.exports``, as the ``/api/v1/exports`` routes are.

A file is answered inline as text up to ``INLINE_LIMIT`` bytes (a model's context is the limit here, not Lambda's
6 MB); a larger one is streamed to the blob store and answered with a time-limited download URL instead.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from chalicelib.core.models import Day
from chalicelib.exports import backup, service
from chalicelib.exports.delivery import Delivery, deliver
from chalicelib.exports.service import ExportFile
from chalicelib.mcp.models import Confirm, IdempotencyKey, InvoiceId
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "exports"
INLINE_LIMIT = 200_000
DOWNLOAD_SECONDS = 3600

Profile = Literal["MINIMUM", "BASIC_WL", "BASIC", "EN16931"]


class _FileFields(BaseModel):
    file_name: str = Field(description="The file's legal name (use it when saving the file).")
    size: int = Field(description="Size in bytes.")
    download_url: str | None = Field(description="Set instead of the inline text when the file exceeds 200 kB: a "
                                                 "link valid for `expires_in` seconds.")
    expires_in: int | None = Field(description="Seconds the download URL stays valid; null when inline.")


class FecExport(_FileFields):
    line_count: int = Field(description="Journal lines in the file (the header line not counted).")
    content: str | None = Field(description="The FEC text: pipe-separated, 18 columns, header first, CRLF line "
                                             "ends, comma decimals. Null when too large (see download_url).")


class SaftExport(_FileFields):
    content: str | None = Field(description="The SAF-T XML (OECD 2.00). Null when too large (see download_url).")


class FacturxExport(_FileFields):
    profile: Profile
    xml: str | None = Field(description="The Factur-X CII XML. Null when too large (see download_url).")


def _backup_schema(schema: dict[str, Any]) -> None:
    schema["properties"] |= {
        "format": {"type": "string", "description": "`cashpilot-backup` (inline document)."},
        "version": {"type": "integer"},
        "organization": {"type": "object", "description": "id, name, currency, timezone."},
        "records": {"type": "object", "description": "The organization's domain records by part (clients, "
                                                     "invoices, payments, expenses with receipts, accounting...)."},
        "size": {"type": "integer", "description": "Size in bytes of the stored document (when large)."},
        "download_url": {"type": "string", "description": "Link to the stored document (when large)."},
        "blob_key": {"type": "string"},
    }


class BackupResult(BaseModel):
    """The whole backup document, or, when its JSON exceeds 200 kB, its stats and a download URL."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_backup_schema)

    created_at: str = Field(description="When the backup was taken (ISO 8601, UTC).")
    stats: dict[str, int] = Field(description="Records per part.")


class RestoreResult(BaseModel):
    restored: dict[str, int] = Field(description="Records restored per part.")
    files: int = Field(description="Receipt files restored.")


def _file_fields(delivered: Delivery) -> dict[str, Any]:
    return {"file_name": delivered.file_name, "size": delivered.size, "download_url": delivered.download_url,
            "expires_in": delivered.expires_in}


def _deliver(caller: Caller, export: ExportFile) -> Delivery:
    return deliver(caller.deps, caller.org_id, export, inline_limit=INLINE_LIMIT, expires_in=DOWNLOAD_SECONDS)


def _text(delivered: Delivery) -> str | None:
    return None if delivered.content is None else delivered.content.decode("utf-8")


@tool("export_fec", toolset=TOOLSET, title="FEC export", action="read", resource=None)
def export_fec(caller: Caller, *,
               start_date: Annotated[Day | None, Field(description="First day (YYYY-MM-DD); with end_date, "
                                                                       "instead of fiscal_year.")] = None,
               end_date: Annotated[Day | None, Field(description="Last day, in the same fiscal year as "
                                                                     "start_date.")] = None,
               fiscal_year: Annotated[int | None, Field(ge=1900, le=2999,
                                                        description="The whole fiscal year closing in that year "
                                                                    "(e.g. 2026), instead of the dates.")] = None
               ) -> FecExport:
    """The FEC (fichier des écritures comptables, article A47 A-1 LPF) of one fiscal year (`fiscal_year`: the year
    it closes in) or of a period within one (`start_date` and `end_date`): every journal line posted in it,
    numbered continuously, with account labels, piece references and validation dates, as the French tax
    administration requires. Needs the company's SIREN in its profile (error `company_siren_missing` otherwise) and
    initialized accounting. The file name is `<SIREN>FEC<closing date>.txt`. Returns `{file_name, line_count,
    size, content}`, or a `download_url` instead of `content` when large.
    """
    export = service.fec_export(caller.deps, caller.org_id, start_date, end_date, fiscal_year)
    delivered = _deliver(caller, export)
    return FecExport(**_file_fields(delivered), line_count=delivered.newlines, content=_text(delivered))


@tool("export_saft", toolset=TOOLSET, title="SAF-T export", action="read", resource=None)
def export_saft(caller: Caller, *,
                start_date: Annotated[Day, Field(description="First day (YYYY-MM-DD).")],
                end_date: Annotated[Day, Field(description="Last day, included.")]) -> SaftExport:
    """The SAF-T audit file (OECD Standard Audit File for Tax 2.00, XML) of a period: company header, accounts
    with opening and closing balances, customers, tax codes, the general ledger entries and the source documents
    (sales invoices, payments), in the books' currency. Needs initialized accounting. Returns `{file_name, size,
    content}`, or a `download_url` instead of `content` when large.
    """
    export = service.saft_export(caller.deps, caller.org_id, start_date, end_date)
    delivered = _deliver(caller, export)
    return SaftExport(**_file_fields(delivered), content=_text(delivered))


@tool("export_facturx", toolset=TOOLSET, title="Factur-X XML of an invoice", action="read", resource="orders")
def export_facturx(caller: Caller, *, invoice_id: InvoiceId,
                   profile: Annotated[Profile, Field(description="Factur-X profile: MINIMUM, BASIC_WL, BASIC "
                                                                 "(default) or EN16931 (full lines).")] = "BASIC"
                   ) -> FacturxExport:
    """The Factur-X (ZUGFeRD) CII XML of an issued invoice, for the chosen profile: seller from the company
    profile, buyer from the client, lines, VAT breakdown, totals and payment terms. Drafts cannot be exported
    (`invoice_not_issued`): issue the invoice first. Returns `{file_name, profile, size, xml}`.
    """
    export = service.facturx_export(caller.deps, caller.org_id, invoice_id, profile, "xml")
    delivered = _deliver(caller, export)
    return FacturxExport(**_file_fields(delivered), profile=profile, xml=_text(delivered))


@tool("backup_all_data", toolset=TOOLSET, title="Backup of all data", action="read", resource=None)
def backup_all_data(caller: Caller) -> BackupResult:
    """A complete JSON backup of the organization as domain records: clients, invoices with their lines, quotes,
    credit notes, payments, expenses with their receipts, products, projects, the company profile, number sequences
    and the books (settings, entries with lines and hashes), with per-part `stats`. When the document exceeds
    200 kB only `created_at`, `stats`, `size` and a `download_url` (valid one hour) are returned. A backup can be
    restored into an empty organization.
    """
    return BackupResult.model_validate(backup.write_backup(caller.deps, caller.org_id, inline_limit=INLINE_LIMIT))


@tool("restore_backup", toolset="admin", title="Restore a backup", action="write", resource=None, destructive=True)
def restore_backup(caller: Caller, *,
                   document: Annotated[dict[str, Any], Field(description="The whole backup document as produced by "
                                                                         "backup_all_data (format "
                                                                         "cashpilot-backup).")],
                   confirm: Confirm = False, idempotency_key: IdempotencyKey = None) -> RestoreResult:
    """Restore a backup document into this organization, which must hold no business data yet (error
    `organization_not_empty` otherwise). The whole document is checked before anything is written; the
    organization takes the backup's currency and time zone. Requires `confirm: true`. Returns `{restored, files}`.
    """
    return RestoreResult.model_validate(backup.restore(caller.deps, caller.org_id, document))
