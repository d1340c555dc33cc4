"""Carrying out the demo plan through the services: each step one service call, as a client of the API would."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from chalicelib.billing.clients.models import ClientCreate
from chalicelib.billing.clients.service import create_client
from chalicelib.billing.credit_notes.models import CreditNoteCreate
from chalicelib.billing.credit_notes.service import create_credit_note
from chalicelib.billing.expenses.models import ExpenseCreate, ReceiptUpload
from chalicelib.billing.expenses.service import attach_receipt, create_expense
from chalicelib.billing.invoices.models import InvoiceCreate, InvoiceOut
from chalicelib.billing.invoices.service import create_invoice, require_invoice, to_out
from chalicelib.billing.payments.models import PaymentCreate
from chalicelib.billing.payments.service import create_payment
from chalicelib.billing.products.models import ProductCreate, ProductOut
from chalicelib.billing.products.service import create_product
from chalicelib.billing.projects.models import ProjectCreate
from chalicelib.billing.projects.service import create_project
from chalicelib.billing.quotes.models import QuoteConvert, QuoteCreate
from chalicelib.billing.quotes.service import convert_quote, create_quote
from chalicelib.cli.demo.catalogue import Country, scaled
from chalicelib.cli.demo.plan import Line, Step
from chalicelib.cli.demo.receipt import receipt_png
from chalicelib.core.money import ZERO, quantize
from chalicelib.jobs import job
from chalicelib.store.deps import Deps

_SUMMARY = ("clients", "products", "projects", "quotes", "invoices", "invoices from quotes", "drafts", "credit notes",
            "payments", "partial payments", "overdue", "expenses", "receipts")
_METHODS = ("bank_transfer", "bank_transfer", "bank_transfer", "check", "card")


class Loader:
    def __init__(self, deps: Deps, org_id: str, country: Country, marker: ProductOut) -> None:
        self.deps, self.org_id, self.country = deps, org_id, country
        self.products: list[ProductOut] = [marker]
        self.clients: list[str] = []
        self.invoices: dict[int, InvoiceOut] = {}
        self.quotes: dict[int, str] = {}
        self.made: Counter[str] = Counter({"products": 1})

    def set_up(self) -> None:
        for spec in self.country.products[1:]:
            fields = {**spec, "unit_price": scaled(self.country, spec["unit_price"]), "currency": self.country.currency}
            if "purchase_price" in spec:
                fields["purchase_price"] = scaled(self.country, spec["purchase_price"])
            self.products.append(create_product(self.deps, self.org_id, ProductCreate.model_validate(fields)))
            self.made["products"] += 1
        for spec in self.country.clients:
            client = ClientCreate.model_validate({**spec, "preferred_currency": self.country.currency})
            self.clients.append(create_client(self.deps, self.org_id, client).id)
            self.made["clients"] += 1
        for spec in self.country.projects:
            fields = {k: v for k, v in spec.items() if k != "client"}
            fields["hourly_rate"] = scaled(self.country, spec["hourly_rate"])
            create_project(self.deps, self.org_id, ProjectCreate.model_validate(
                {**fields, "client_id": self.clients[int(spec["client"])], "currency": self.country.currency}))
            self.made["projects"] += 1

    def _items(self, lines: list[Line]) -> list[dict[str, Any]]:
        return [{"description": self.products[line.product].product_name, "quantity": line.quantity,
                 "unit_price": self.products[line.product].unit_price, "tax_rate": self.products[line.product].tax_rate,
                 "unit": self.products[line.product].unit, "product_id": self.products[line.product].id}
                for line in lines]

    def carry_out(self, step: Step) -> None:
        {"quote": self._quote, "invoice": self._invoice, "credit_note": self._credit_note,
         "payment": self._payment, "expense": self._expense}[step.kind](step)

    def _quote(self, step: Step) -> None:
        quote = create_quote(self.deps, self.org_id, QuoteCreate.model_validate({
            "client_id": self.clients[step.client], "date": step.day, "items": self._items(step.lines),
            "currency": self.country.currency, "status": "draft" if step.draft else "sent"}))
        self.quotes[step.ref] = quote.id
        self.made["quotes"] += 1

    def _invoice(self, step: Step) -> None:
        if step.from_quote:
            converted = convert_quote(self.deps, self.org_id, self.quotes[step.ref],
                                      QuoteConvert.model_validate({"status": "sent", "date": step.day}))
            self.invoices[step.ref] = converted.invoice
            self.made["invoices from quotes"] += 1
        else:
            self.invoices[step.ref] = create_invoice(self.deps, self.org_id, InvoiceCreate.model_validate({
                "client_id": self.clients[step.client], "date": step.day, "items": self._items(step.lines),
                "currency": self.country.currency, "status": "draft" if step.draft else "sent"}))
        self.made["invoices"] += 1
        self.made["drafts"] += step.draft

    def _credit_note(self, step: Step) -> None:
        invoice = self.invoices[step.ref]
        if step.share == 1:
            body: dict[str, Any] = {"items": [line.model_dump(exclude={"line_total"}) for line in invoice.items],
                                    "reason": "Prestation annulée à la demande du client"}
        else:
            rate = invoice.items[0].tax_rate if invoice.items else invoice.tax_rate
            discount = quantize(invoice.total_ht * step.share, invoice.currency)
            body = {"items": [{"description": "Remise commerciale", "unit_price": discount, "tax_rate": rate}],
                    "reason": "Geste commercial (retard de chantier)"}
        create_credit_note(self.deps, self.org_id, CreditNoteCreate.model_validate(
            {**body, "invoice_id": invoice.id, "date": step.day}))
        self.made["credit notes"] += 1

    def _payment(self, step: Step) -> None:
        invoice = to_out(require_invoice(self.deps, self.org_id, self.invoices[step.ref].id))
        amount = quantize(invoice.balance_due * step.share, invoice.currency)
        if amount <= ZERO:
            return
        method = _METHODS[step.ref % len(_METHODS)]
        create_payment(self.deps, self.org_id, PaymentCreate.model_validate({
            "invoice_id": invoice.id, "amount": amount, "payment_date": step.day, "payment_method": method,
            "reference": f"VIR {invoice.invoice_number}" if method == "bank_transfer" else None}))
        self.made["payments"] += 1
        self.made["partial payments"] += step.share < 1

    def _expense(self, step: Step) -> None:
        spec = self.country.expenses[step.expense]
        amount = quantize(step.amount, self.country.currency)
        expense = create_expense(self.deps, self.org_id, ExpenseCreate.model_validate({
            "expense_date": step.day, "amount": amount, "tax_rate": Decimal(str(spec["tax_rate"])),
            "currency": self.country.currency, "category": spec["category"], "supplier": spec["supplier"],
            "description": spec["description"], "reference": f"{spec['supplier'][:3].upper()}-{step.ref + 1:04d}",
            "payment_method": "card" if spec["category"] in {"meals", "travel"} else "bank_transfer",
            "refacturable": bool(spec.get("refacturable", False))}))
        self.made["expenses"] += 1
        if step.receipt:
            png = receipt_png(str(spec["supplier"]), step.day, expense.amount, expense.tax_amount,
                              self.country.currency)
            attach_receipt(self.deps, self.org_id, expense.id,
                           ReceiptUpload(data=png, content_type="image/png", file_name=f"ticket-{step.ref + 1}.png"))
            self.made["receipts"] += 1

    def finish(self) -> None:
        overdue = job("overdue_invoices").run(self.deps, self.org_id)
        self.made["overdue"] = sum(overdue.values())

    def counts(self) -> dict[str, int]:
        return {name: self.made[name] for name in _SUMMARY if self.made[name]}
