"""The invoices' share of a backup: one record per invoice, lines included (number markers, counters and the
client's reference count are rebuilt; the yearly sequences are the ``sequences`` part's)."""

from __future__ import annotations

from chalicelib.billing.invoices import repository as repo
from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.numbering import INVOICES
from chalicelib.store.backup_parts import PAGE, ModelPart
from chalicelib.store.port import Operation


def _insert(invoice: Invoice) -> list[Operation]:
    marker = [INVOICES.reserve(invoice.org_id, invoice.invoice_number, invoice.id)] if invoice.invoice_number else []
    return repo.insert(invoice) + marker


PART = ModelPart("invoices", Invoice, lambda store, org_id, cursor: repo.query_by_date(
    store, org_id, client_id=None, start=None, end=None, limit=PAGE, cursor=cursor), repo.from_item, _insert)
