"""A realistic year of posted books for the export tests, built with the real ledger models.

``realistic_books(org_id, year, seed)`` walks the business days of a calendar fiscal year and posts, in validation
order, what a small winery's books hold: the opening entry (AN), sales invoices (VE: client 411 with one auxiliary
account per client, revenue 701/706, output VAT 44571 at 20, 10 and 5.5 %), bank receipts (BQ: 512 against 411),
purchases (AC: 6xxx and input VAT 44566 against 512, or against a supplier's 401), supplier payments and bank fees
(BQ), reclassifications and reversals of cancelled invoices (OD). It also returns the ``Invoice`` and ``Payment``
documents behind those entries, so SAF-T's source documents tie to the journal.

Properties the tests rely on: every entry balances; numbers run 1, 2, 3... with no gap; ``validated_at`` never
decreases with the number and stays on the entry's day or later (between 07:00 and 17:00 UTC, so the day is the
same in Paris); as the posting rules do, VAT lines carry ``vat_rate``/``vat_kind``/``vat_base`` and base lines
``vat_rate`` alone; labels contain accents, one client's name contains a ``|`` and one label a line break. Two
labels change during the year, as a chart and a client file do: account 512's label on the lines
(``STALE_BANK_LABEL`` until June) and client C0001's name (``RENAMED_CLIENT``), so the exports must take labels
from the current chart and client file. Money is ``Decimal`` in the currency's minor unit (cents for EUR, units for
XOF). Everything derives from ``random.Random(seed)``.
"""

from __future__ import annotations

import hashlib
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from chalicelib.billing.invoices.models import Invoice, Line, VatBreakdown
from chalicelib.billing.payments.models import Allocation, Payment
from chalicelib.core.money import ZERO, percent_of, quantize
from chalicelib.ledger.models import AccountType, Entry, EntryLine, Journal, VatKind

ACCOUNTS: dict[str, tuple[str, AccountType]] = {
    "101": ("Capital", "equity"),
    "164": ("Emprunts auprès des établissements de crédit", "liability"),
    "401": ("Fournisseurs", "liability"),
    "411": ("Clients", "asset"),
    "44566": ("TVA déductible sur autres biens et services", "asset"),
    "44571": ("TVA collectée", "liability"),
    "512": ("Banque", "asset"),
    "606": ("Achats non stockés de matières et fournitures", "expense"),
    "6061": ("Fournitures non stockables (eau, énergie)", "expense"),
    "613": ("Locations", "expense"),
    "615": ("Entretien et réparations", "expense"),
    "626": ("Frais postaux et de télécommunications", "expense"),
    "627": ("Services bancaires et assimilés", "expense"),
    "701": ("Ventes de produits finis", "revenue"),
    "706": ("Prestations de services", "revenue"),
}
STALE_BANK_LABEL = "Banque Populaire (ancien libellé)"
# auxiliary account -> (client id, current name)
CLIENTS: dict[str, tuple[str, str]] = {
    "C0001": ("cli_0001", "SCEA Château Lézignan"),
    "C0002": ("cli_0002", "Cave coopérative | Nord"),
    "C0003": ("cli_0003", "Épicerie fine Görlitz & Fils"),
    "C0004": ("cli_0004", "Restaurant L'Œnothèque"),
    "C0005": ("cli_0005", "Caviste du Vieux-Port"),
    "C0006": ("cli_0006", "Hôtel Beauséjour"),
}
RENAMED_CLIENT = ("C0001", "Château Lézignan")  # its name on the lines before the rename
SUPPLIERS: dict[str, tuple[str, str]] = {
    "F0001": ("sup_0001", "Tonnellerie Séguin"),
    "F0002": ("sup_0002", "Verrerie d'Émeraude"),
    "F0003": ("sup_0003", "Bouchages Liège & Cie"),
}
OUTPUT_RATES = (Decimal("20"), Decimal("10"), Decimal("5.5"))
_KINDS = ("sale", "sale", "sale", "sale", "receipt", "receipt", "receipt", "purchase", "purchase", "bill",
          "supplier_payment", "bank_fee", "reclass", "reversal")
_PURCHASES = (("606", "Fournitures de chai"), ("6061", "Électricité du chai"), ("613", "Location du pressoir"),
              ("615", "Réparation de la pompe\nurgence"), ("626", "Téléphone et internet"))
_SALES = (("701", "Bouteilles de Côtes-du-Rhône"), ("701", "Magnums de rosé"), ("706", "Dégustation commentée"),
          ("706", "Visite du domaine"))


@dataclass
class SampleBooks:
    """One fiscal year: its entries in validation order, and the invoices and payments they post."""

    entries: list[Entry]
    invoices: list[Invoice]
    payments: list[Payment]


def realistic_year(org_id: str, year: int, seed: int, *, currency: str = "EUR") -> list[Entry]:
    """A few hundred balanced entries of the fiscal year ``year`` (1 January - 31 December)."""
    return realistic_books(org_id, year, seed, currency=currency).entries


def realistic_books(org_id: str, year: int, seed: int, *, currency: str = "EUR") -> SampleBooks:
    return _Year(org_id, year, random.Random(seed), currency).build()


@dataclass
class _OpenInvoice:
    id: str
    number: str
    client: str
    day: date
    total: Decimal
    validated_at: datetime
    lines: list[Line]
    breakdown: list[VatBreakdown]
    entry: Entry | None = None
    paid: Decimal = ZERO
    cancelled: bool = False
    carried: bool = False  # a receivable of the opening entry, not an invoice of the year


@dataclass
class _Year:
    org_id: str
    year: int
    rng: random.Random
    currency: str
    entries: list[Entry] = field(default_factory=list)
    invoices: list[_OpenInvoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    bills: dict[str, list[Decimal]] = field(default_factory=lambda: defaultdict(list))
    moment: datetime = datetime(1970, 1, 1, tzinfo=UTC)

    @property
    def start(self) -> date:
        return date(self.year, 1, 1)

    def build(self) -> SampleBooks:
        self.moment = datetime(self.year, 1, 2, 7, 0, tzinfo=UTC)
        self._opening()
        day = self.start
        while day.year == self.year:
            if day.weekday() < 5:
                self.moment = max(self.moment, datetime(day.year, day.month, day.day, 7, 0, tzinfo=UTC))
                for _ in range(self.rng.choice((0, 1, 1, 1, 2, 2, 3))):
                    self._event(self.rng.choice(_KINDS), day)
            day += timedelta(days=1)
        return SampleBooks(self.entries, [self._invoice(inv) for inv in self.invoices if not inv.carried],
                           self.payments)

    # --- amounts, labels, posting -------------------------------------------------------------------------------

    def money(self, low: int, high: int) -> Decimal:
        if self.currency in ("XOF", "XAF"):
            return Decimal(self.rng.randint(low * 650, high * 650))
        return Decimal(self.rng.randint(low * 100, high * 100)).scaleb(-2)

    def bank_label(self, day: date) -> str:
        return STALE_BANK_LABEL if day.month < 6 else ACCOUNTS["512"][0]

    def client_name(self, aux: str, day: date) -> str:
        return RENAMED_CLIENT[1] if aux == RENAMED_CLIENT[0] and day.month < 7 else CLIENTS[aux][1]

    def line(self, account: str, label: str, debit: Decimal = ZERO, credit: Decimal = ZERO, *,
             account_name: str | None = None, aux_account: str | None = None, aux_name: str | None = None,
             vat_rate: Decimal | None = None, vat_kind: VatKind | None = None,
             vat_base: Decimal | None = None) -> EntryLine:
        return EntryLine(line_no=0, account=account, account_name=account_name or ACCOUNTS[account][0],
                         aux_account=aux_account, aux_name=aux_name, label=label, debit=debit, credit=credit,
                         vat_rate=vat_rate, vat_kind=vat_kind, vat_base=vat_base)

    def post(self, journal: Journal, day: date, piece_ref: str, label: str, lines: list[EntryLine], *,
             source: tuple[str, str, str], piece_date: date | None = None, reverses: str | None = None) -> Entry:
        self.moment += timedelta(minutes=self.rng.randint(1, 55), seconds=self.rng.randint(0, 59))
        day = max(self.start, min(day, self.moment.date()))
        number = len(self.entries) + 1
        prev_hash = self.entries[-1].hash if self.entries else "0" * 64
        numbered = [line.model_copy(update={"line_no": n}) for n, line in enumerate(lines, start=1)]
        entry = Entry(id=f"ent_{self.rng.getrandbits(64):016x}", org_id=self.org_id, fiscal_year=self.start,
                      fiscal_year_end=date(self.year, 12, 31), number=number, journal=journal, entry_date=day,
                      piece_ref=piece_ref, piece_date=piece_date or day, label=label, currency=self.currency,
                      validated_at=self.moment, source_type=source[0], source_id=source[1], event=source[2],
                      reverses=reverses, lines=numbered, prev_hash=prev_hash, hash="")
        assert entry.total_debit == entry.total_credit, entry
        digest = hashlib.sha256(f"{prev_hash}\n{entry.model_dump_json(exclude={'hash'})}".encode()).hexdigest()
        entry.hash = digest
        self.entries.append(entry)
        return entry

    # --- what happens during the year ---------------------------------------------------------------------------

    def _opening(self) -> None:
        bank, loan = self.money(8000, 20000), self.money(5000, 9000)
        receivables = [("C0002", self.money(800, 2500)), ("C0004", self.money(300, 900))]
        payable = self.money(400, 1500)
        lines = [self.line("512", "Solde d'ouverture banque", debit=bank, account_name=self.bank_label(self.start))]
        for aux, amount in receivables:
            lines.append(self.line("411", f"Report client {CLIENTS[aux][1]}", debit=amount, aux_account=aux,
                                   aux_name=self.client_name(aux, self.start)))
            self.invoices.append(_OpenInvoice(f"inv_an_{aux}", f"AN-{self.year}-{aux}", aux, self.start, amount,
                                              self.moment, [], [], carried=True))
        self.bills["F0001"].append(payable)
        capital = bank + sum(a for _, a in receivables) - loan - payable
        lines += [self.line("401", "Report fournisseur Tonnellerie Séguin", credit=payable, aux_account="F0001",
                            aux_name=SUPPLIERS["F0001"][1]),
                  self.line("164", "Reprise emprunt", credit=loan),
                  self.line("101", "Reprise capital et report à nouveau", credit=capital)]
        self.post("AN", self.start, f"AN-{self.year}", "À-nouveaux de l'exercice", lines,
                  source=("opening", f"an_{self.year}", "opened"))

    def _event(self, kind: str, day: date) -> None:
        handlers = {"sale": self._sale, "receipt": self._receipt, "purchase": self._purchase, "bill": self._bill,
                    "supplier_payment": self._supplier_payment, "bank_fee": self._bank_fee,
                    "reclass": self._reclass, "reversal": self._reversal}
        handlers[kind](day - timedelta(days=self.rng.randint(0, 2)))

    def _sale(self, day: date) -> None:
        aux = self.rng.choice(sorted(CLIENTS))
        number = f"FA-{self.year}-{sum(1 for inv in self.invoices if not inv.carried) + 1:04d}"
        items: list[Line] = []
        bases: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: ZERO)
        for _ in range(self.rng.randint(1, 3)):
            account, description = self.rng.choice(_SALES)
            rate = self.rng.choice(OUTPUT_RATES)
            quantity, unit_price = Decimal(self.rng.randint(1, 12)), self.money(8, 160)
            total = quantize(quantity * unit_price, self.currency)
            items.append(Line(description=description, quantity=quantity, unit_price=unit_price, tax_rate=rate,
                              line_total=total))
            bases[(account, rate)] += total
        by_rate: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
        for (_, rate), base in bases.items():
            by_rate[rate] += base
        breakdown = [VatBreakdown(rate=r, base=b, vat=percent_of(b, r, self.currency)) for r, b in by_rate.items()]
        total = sum((b.base + b.vat for b in breakdown), ZERO)
        label = f"Facture {number} {self.client_name(aux, day)}"
        lines = [self.line("411", label, debit=total, aux_account=aux, aux_name=self.client_name(aux, day))]
        lines += [self.line(account, f"{label} HT {rate} %", credit=base, vat_rate=rate)
                  for (account, rate), base in bases.items()]
        lines += [self.line("44571", f"TVA collectée {b.rate} %", credit=b.vat, vat_rate=b.rate, vat_kind="output",
                            vat_base=b.base) for b in breakdown if b.vat]
        invoice = _OpenInvoice(f"inv_{self.rng.getrandbits(48):012x}", number, aux, day, total, self.moment, items,
                               breakdown)
        invoice.entry = self.post("VE", day, number, label, lines, source=("invoice", invoice.id, "issued"))
        invoice.day, invoice.validated_at = invoice.entry.entry_date, invoice.entry.validated_at
        self.invoices.append(invoice)

    def _receipt(self, day: date) -> None:
        open_ = [inv for inv in self.invoices if not inv.cancelled and inv.paid < inv.total and inv.day <= day]
        if not open_:
            self._sale(day)
            return
        invoice = open_[0] if self.rng.random() < 0.7 else self.rng.choice(open_)
        remaining = invoice.total - invoice.paid
        amount = remaining if self.rng.random() < 0.8 else quantize(remaining / 2, self.currency)
        invoice.paid += amount
        receipt = f"REC-{self.year}-{len(self.payments) + 1:04d}"
        name = self.client_name(invoice.client, day)
        label = f"Règlement {name} {invoice.number}"
        payment_id = f"pay_{self.rng.getrandbits(48):012x}"
        entry = self.post("BQ", max(day, invoice.day), receipt, label,
                          [self.line("512", label, debit=amount, account_name=self.bank_label(day)),
                           self.line("411", label, credit=amount, aux_account=invoice.client, aux_name=name)],
                          source=("payment", payment_id, "received"))
        client_id, client_name = CLIENTS[invoice.client]
        self.payments.append(Payment(
            id=payment_id, invoice_id=invoice.id, client_id=client_id, client_name=client_name, amount=amount,
            currency=self.currency, payment_method="bank_transfer", payment_date=entry.entry_date,
            receipt_number=receipt, reference=f"VIR {invoice.number}",
            allocations=[Allocation(invoice_id=invoice.id, invoice_number=invoice.number, amount=amount)],
            created_at=entry.validated_at, org_id=self.org_id))

    def _purchase_lines(self, label: str) -> tuple[list[EntryLine], Decimal]:
        account, description = self.rng.choice(_PURCHASES)
        rate = self.rng.choice(OUTPUT_RATES)
        base = self.money(40, 1200)
        vat = percent_of(base, rate, self.currency)
        return [self.line(account, f"{label} {description}", debit=base, vat_rate=rate),
                self.line("44566", f"TVA déductible {rate} %", debit=vat, vat_rate=rate, vat_kind="input",
                          vat_base=base)], base + vat

    def _purchase(self, day: date) -> None:
        piece = f"ACH-{self.year}-{len(self.entries) + 1:05d}"
        lines, total = self._purchase_lines("Achat")
        lines.append(self.line("512", f"Paiement carte {piece}", credit=total, account_name=self.bank_label(day)))
        self.post("AC", day, piece, f"Achat {piece}", lines, source=("expense", piece.lower(), "recorded"),
                  piece_date=day - timedelta(days=self.rng.randint(0, 5)))

    def _bill(self, day: date) -> None:
        aux = self.rng.choice(sorted(SUPPLIERS))
        piece = f"FF-{aux}-{len(self.entries) + 1:05d}"
        lines, total = self._purchase_lines(SUPPLIERS[aux][1])
        lines.append(self.line("401", f"Facture {piece}", credit=total, aux_account=aux, aux_name=SUPPLIERS[aux][1]))
        self.bills[aux].append(total)
        self.post("AC", day, piece, f"Facture fournisseur {SUPPLIERS[aux][1]}", lines,
                  source=("expense", piece.lower(), "recorded"), piece_date=day - timedelta(days=3))

    def _supplier_payment(self, day: date) -> None:
        owed = [aux for aux in sorted(self.bills) if self.bills[aux]]
        if not owed:
            self._bill(day)
            return
        aux = self.rng.choice(owed)
        amount = self.bills[aux].pop(0)
        piece = f"VIR-{self.year}-{len(self.entries) + 1:05d}"
        label = f"Virement {SUPPLIERS[aux][1]}"
        self.post("BQ", day, piece, label,
                  [self.line("401", label, debit=amount, aux_account=aux, aux_name=SUPPLIERS[aux][1]),
                   self.line("512", label, credit=amount, account_name=self.bank_label(day))],
                  source=("supplier_payment", piece.lower(), "paid"))

    def _bank_fee(self, day: date) -> None:
        amount = self.money(3, 40)
        self.post("BQ", day, "", "Frais bancaires du mois",
                  [self.line("627", "Commission de tenue de compte", debit=amount),
                   self.line("512", "", credit=amount, account_name=self.bank_label(day))],
                  source=("bank_fee", f"fee_{len(self.entries) + 1}", "charged"))

    def _reclass(self, day: date) -> None:
        amount = self.money(20, 300)
        self.post("OD", day, f"OD-{self.year}-{len(self.entries) + 1:05d}", "Reclassement énergie",
                  [self.line("6061", "Reclassement fournitures → énergie", debit=amount),
                   self.line("606", "Reclassement fournitures → énergie", credit=amount)],
                  source=("manual", f"od_{len(self.entries) + 1}", "posted"))

    def _reversal(self, day: date) -> None:
        candidates = [inv for inv in self.invoices if inv.entry and not inv.cancelled and not inv.paid]
        if not candidates:
            self._sale(day)
            return
        invoice = candidates[-1]
        original = invoice.entry
        assert original is not None
        invoice.cancelled = True
        lines = [line.model_copy(update={"debit": line.credit, "credit": line.debit,
                                         "label": f"Annulation {line.label}",
                                         "vat_base": -line.vat_base if line.vat_base is not None else None})
                 for line in original.lines]
        self.post("OD", max(day, original.entry_date), original.piece_ref, f"Annulation {original.label}", lines,
                  source=(original.source_type, original.source_id, "cancelled"), piece_date=original.piece_date,
                  reverses=original.id)

    # --- the documents ------------------------------------------------------------------------------------------

    def _invoice(self, inv: _OpenInvoice) -> Invoice:
        client_id, name = CLIENTS[inv.client]
        vat = sum((b.vat for b in inv.breakdown), ZERO)
        status = "cancelled" if inv.cancelled else "paid" if inv.paid == inv.total else "sent"
        payment_status = "paid" if inv.paid == inv.total else "partial" if inv.paid else "unpaid"
        return Invoice(id=inv.id, invoice_number=inv.number, client_id=client_id, client_name=name, date=inv.day,
                       due_date=inv.day + timedelta(days=30), status=status, payment_status=payment_status,
                       currency=self.currency, items=inv.lines, total_ht=inv.total - vat, tax_rate=None,
                       total_vat=vat, total_ttc=inv.total, vat_breakdown=inv.breakdown, amount_paid=inv.paid,
                       balance_due=inv.total - inv.paid, created_at=inv.validated_at, updated_at=inv.validated_at,
                       org_id=self.org_id)
