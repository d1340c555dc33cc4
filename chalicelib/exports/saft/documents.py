"""The SourceDocuments section of the SAF-T file: the period's sales invoices and payments, each linked to the
general-ledger transaction that posted it."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.payments.models import Payment
from chalicelib.core.money import ZERO
from chalicelib.exports.saft.context import Books, Scan
from chalicelib.exports.saft.ledger import tax_information
from chalicelib.exports.saft.model import CHUNK_BYTES, PAYMENT_METHODS, SaftAddress, money_text, number_text
from chalicelib.exports.saft.stream import Sink, Writer


@dataclass(frozen=True)
class _InvoiceLine:
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal  # net, signed: positive is a sale (credit)


def _invoice_lines(invoice: Invoice) -> list[_InvoiceLine]:
    if invoice.items:
        return [_InvoiceLine(i.description, i.quantity, i.unit_price, i.line_total) for i in invoice.items]
    return [_InvoiceLine(invoice.reference or invoice.notes or "Total HT", Decimal(1), invoice.total_ht,
                         invoice.total_ht)]


def sales_totals(invoice: Invoice) -> tuple[Decimal, Decimal]:
    """The invoice's (debit, credit) line totals."""
    amounts = [line.amount for line in _invoice_lines(invoice)]
    return -sum((a for a in amounts if a < 0), ZERO), sum((a for a in amounts if a >= 0), ZERO)


def sales_invoices(w: Writer, sink: Sink, books: Books, scan: Scan, totals: list[tuple[Decimal, Decimal]],
                    invoices: Callable[[], Iterable[Invoice]]) -> Iterator[bytes]:
    with w.node("SalesInvoices"):
        w.leaf("NumberOfEntries", str(len(totals)))
        w.leaf("TotalDebit", money_text(sum((t[0] for t in totals), ZERO)))
        w.leaf("TotalCredit", money_text(sum((t[1] for t in totals), ZERO)))
        for invoice in invoices():
            if books.has_invoice(invoice):
                _invoice(w, books, scan, invoice)
                yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _invoice(w: Writer, books: Books, scan: Scan, invoice: Invoice) -> None:
    customer = books.billing_ids.get(invoice.client_id)
    with w.node("Invoice"):
        w.text("InvoiceNo", invoice.invoice_number, 70)
        with w.node("CustomerInfo"):
            if customer is not None:
                w.leaf("CustomerID", customer.id)
            else:
                w.text("Name", invoice.client_name or invoice.client_id, 70)
            w.address("BillingAddress", customer.address if customer else SaftAddress())
        if customer is not None:
            w.leaf("AccountID", customer.account)
        w.leaf("Period", str(invoice.date.month))
        w.leaf("PeriodYear", str(invoice.date.year))
        w.leaf("InvoiceDate", invoice.date.isoformat())
        if invoice.id in scan.transactions:
            w.leaf("TransactionID", scan.transactions[invoice.id])
        for number, line in enumerate(_invoice_lines(invoice), start=1):
            with w.node("Line"):
                w.leaf("LineNumber", str(number))
                w.leaf("Quantity", number_text(line.quantity))
                w.leaf("UnitPrice", money_text(line.unit_price))
                w.leaf("TaxPointDate", invoice.date.isoformat())
                w.text("Description", line.description)
                w.amount("InvoiceLineAmount", abs(line.amount))
                w.leaf("DebitCreditIndicator", "C" if line.amount >= 0 else "D")
        with w.node("DocumentTotals"):
            for vat in _vat_totals(invoice):
                code = books.tax_codes.get(("output", vat.rate))
                tax_information(w, books, "TaxInformationTotals", code, vat.base, vat.vat, vat.rate)
            w.leaf("NetTotal", money_text(invoice.total_ht))
            w.leaf("GrossTotal", money_text(invoice.total_ttc))


@dataclass(frozen=True)
class _Vat:
    rate: Decimal
    base: Decimal
    vat: Decimal


def _vat_totals(invoice: Invoice) -> list[_Vat]:
    """Tax per rate: the invoice's breakdown, or its single stated rate."""
    if invoice.vat_breakdown:
        return [_Vat(v.rate, v.base, v.vat) for v in invoice.vat_breakdown]
    return [] if invoice.tax_rate is None else [_Vat(invoice.tax_rate, invoice.total_ht, invoice.total_vat)]


def payments_section(w: Writer, sink: Sink, books: Books, scan: Scan, amounts: list[Decimal],
              payments: Callable[[], Iterable[Payment]]) -> Iterator[bytes]:
    with w.node("Payments"):
        w.leaf("NumberOfEntries", str(len(amounts)))
        w.leaf("TotalDebit", money_text(ZERO))
        w.leaf("TotalCredit", money_text(sum(amounts, ZERO)))
        for payment in payments():
            if books.has_payment(payment):
                _payment(w, books, scan, payment)
                yield from sink.drain(w.xf, at_least=CHUNK_BYTES)


def _payment_lines(payment: Payment) -> list[tuple[str, Decimal]]:
    lines = [(a.invoice_number or a.invoice_id, a.amount) for a in payment.allocations]
    if payment.unallocated_amount > 0:
        lines.append(("", payment.unallocated_amount))
    return lines or [(payment.invoice_id or "", payment.amount)]


def _payment(w: Writer, books: Books, scan: Scan, payment: Payment) -> None:
    customer = books.billing_ids.get(payment.client_id)
    with w.node("Payment"):
        w.text("PaymentRefNo", payment.receipt_number, 35)
        w.leaf("Period", str(payment.payment_date.month))
        w.leaf("PeriodYear", str(payment.payment_date.year))
        if payment.id in scan.transactions:
            w.leaf("TransactionID", scan.transactions[payment.id])
        w.leaf("TransactionDate", payment.payment_date.isoformat())
        w.leaf("PaymentMethod", PAYMENT_METHODS.get(payment.payment_method, "Other"))
        w.text("Description", payment.reference or payment.notes or f"Règlement {payment.receipt_number}")
        for number, (document, amount) in enumerate(_payment_lines(payment), start=1):
            with w.node("Line"):
                w.leaf("LineNumber", str(number))
                w.optional("SourceDocumentID", document, 35)
                if customer is not None:
                    w.leaf("AccountID", customer.account)
                    w.leaf("CustomerID", customer.id)
                w.leaf("DebitCreditIndicator", "C")
                w.amount("PaymentLineAmount", amount)
        with w.node("DocumentTotals"):
            w.leaf("GrossTotal", money_text(payment.amount))


# --- formats ----------------------------------------------------------------------------------------------------
