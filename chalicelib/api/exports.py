"""Routes of ``/api/v1/exports`` and ``/api/v1/imports``: the legal exports (FEC, SAF-T, Factur-X), the backup and
its restore. Files answer as attachments; one larger than ``INLINE_LIMIT`` is streamed to the blob store instead
and answered with ``303 See Other`` to a signed download URL (a Lambda answer cannot exceed 6 MB).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from pydantic import ConfigDict, Field

from chalicelib.api.routing import RouteGroup
from chalicelib.api.views import Ctx, Reply
from chalicelib.core.models import Model, QueryModel
from chalicelib.exports import backup, delivery, service
from chalicelib.exports.service import ExportFile
from chalicelib.ledger.models import PeriodQuery
from chalicelib.store.deps import Deps

group = RouteGroup("exports", tag="Exports")
route = group.route
OPEN: dict[str, str | None] = {"resource": None}  # no resource scope: a key without resource limits
BASE = "/api/v1/exports"
INLINE_LIMIT = 4 * 1024 * 1024
# A backup is one JSON document: up to what a Lambda request carries (6 MB), not the 1 MiB of ordinary bodies.
RESTORE_MAX_BYTES = 6 * 1000 * 1000


class FecQuery(QueryModel):
    start_date: dt.date | None = Field(default=None, description="First day; with end_date, within one fiscal "
                                                                 "year.")
    end_date: dt.date | None = Field(default=None, description="Last day.")
    fiscal_year: int | None = Field(default=None, ge=1900, le=2999,
                                    description="The whole fiscal year closing in that year (instead of dates).")


class FacturxQuery(QueryModel):
    profile: str = Field(default="BASIC", description="MINIMUM, BASIC_WL, BASIC or EN16931.")
    format: str = Field(default="xml", pattern="^(xml|pdf)$", description="`xml` (CII) or `pdf` (PDF/A-3 with the "
                                                                          "XML embedded).")


class BackupDocument(Model):
    """A backup to restore: the body ``GET /exports/backup`` answers (``{"data": document}``), the bare document,
    or the downloaded file (the same JSON)."""

    model_config = ConfigDict(extra="allow")

    format: str | None = Field(default=None, description="`cashpilot-backup` (a bare document).")
    version: int | None = Field(default=None, description="2, or 1 for a backup taken before domain records.")
    data: dict[str, Any] | None = Field(default=None, description="The document, as `GET /exports/backup` "
                                                                  "answers it.")


def file_reply(deps: Deps, org_id: str, export: ExportFile) -> Reply:
    """The file inline, or, past ``INLINE_LIMIT``, streamed to the blob store and answered with its download URL."""
    delivered = delivery.deliver(deps, org_id, export, inline_limit=INLINE_LIMIT)
    if delivered.content is None:
        url = str(delivered.download_url)
        return Reply({"data": {"file_name": export.file_name, "size": delivered.size, "download_url": url,
                               "expires_in": delivered.expires_in}}, status=303, headers={"Location": url})
    disposition = {"Content-Disposition": f'attachment; filename="{re.sub(r"[^A-Za-z0-9._-]", "_", export.file_name)}"'}
    return Reply(delivered.content, headers={"Content-Type": export.media_type, **disposition}, raw=True)


@route("GET", BASE + "/fec", operation_id="exportFEC", summary="FEC (fichier des écritures comptables)",
       action="read", **OPEN, query=FecQuery, binary=True,
       description="Article A47 A-1 LPF: `<SIREN>FEC<closing AAAAMMJJ>.txt`, pipe-separated, 18 columns, comma "
                   "decimals, entries in validation order with continuous numbers. One fiscal year (`fiscal_year`) "
                   "or a period within one (`start_date`, `end_date`). Needs the company's SIREN.")
def export_fec(ctx: Ctx) -> Any:
    query = ctx.query
    return file_reply(ctx.deps, ctx.org_id, service.fec_export(ctx.deps, ctx.org_id, query.start_date,
                                                               query.end_date, query.fiscal_year))


@route("GET", BASE + "/saft", operation_id="exportSAFT", summary="SAF-T (OECD 2.00) audit file", action="read", **OPEN,
       query=PeriodQuery, binary=True,
       description="Header, master files (accounts with balances, customers, tax table), general ledger entries "
                   "and source documents (sales invoices, payments) of the period, in the books' currency.")
def export_saft(ctx: Ctx) -> Any:
    export = service.saft_export(ctx.deps, ctx.org_id, ctx.query.start_date, ctx.query.end_date)
    return file_reply(ctx.deps, ctx.org_id, export)


@route("GET", BASE + "/facturx/{invoice_id}", operation_id="exportFacturX", summary="Factur-X invoice",
       action="read", resource="orders", query=FacturxQuery, binary=True,
       description="The invoice as Factur-X CII XML for the profile, or as a PDF/A-3 invoice embedding it "
                   "(`format=pdf`). The seller comes from the company profile; drafts cannot be exported.")
def export_facturx(ctx: Ctx) -> Any:
    export = service.facturx_export(ctx.deps, ctx.org_id, ctx.path["invoice_id"], ctx.query.profile,
                                    ctx.query.format)
    return file_reply(ctx.deps, ctx.org_id, export)


@route("GET", BASE + "/backup", operation_id="exportBackup", summary="Backup of the whole organization",
       action="read", **OPEN,
       description="Every record of the organization (clients, invoices with their lines, payments, the books with "
                   "their hashes, receipts...) as one versioned JSON document independent of the storage layout; a "
                   "large backup is stored and answered with a download URL.")
def export_backup(ctx: Ctx) -> Any:
    return backup.write_backup(ctx.deps, ctx.org_id)


@route("POST", "/api/v1/imports/backup", operation_id="importBackup", summary="Restore a backup",
       action="write", **OPEN, body=BackupDocument, status=201, replayable=False, max_body=RESTORE_MAX_BYTES,
       description="Restores a backup into this organization, which must hold no business data yet (409 "
                   "`organization_not_empty`). The body is exactly what `GET /exports/backup` answered (the "
                   "`{\"data\": ...}` envelope included), the bare document, or the downloaded file; versions 1 and "
                   "2 are read. The whole document is checked before anything is written.")
def import_backup(ctx: Ctx) -> Any:
    return backup.restore(ctx.deps, ctx.org_id, ctx.body.model_dump(exclude_unset=True))


group.seal()
