"""Export use cases: gather the organization's books and documents and hand them to the pure writers (FEC,
SAF-T, Factur-X), answering with a file name, a media type and the content as a stream of chunks.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from chalicelib.auth.repository import get_organization
from chalicelib.billing.clients.service import require_client
from chalicelib.billing.invoices import repository as invoices_repo
from chalicelib.billing.invoices.models import Invoice
from chalicelib.billing.invoices.service import require_invoice
from chalicelib.billing.payments import repository as payments_repo
from chalicelib.billing.payments.models import Payment
from chalicelib.company.models import CompanyProfile, fiscal_year_bounds
from chalicelib.company.service import get_company
from chalicelib.core.errors import Conflict, field_error
from chalicelib.core.money import rate_text
from chalicelib.core.text import fold
from chalicelib.exports import facturx, fec, saft
from chalicelib.exports.mentions import mentions_of
from chalicelib.ledger import lines as ledger_lines
from chalicelib.ledger import repository as ledger_repo
from chalicelib.ledger.accounts import accounts_of
from chalicelib.ledger.models import Entry
from chalicelib.ledger.queries import balances_at
from chalicelib.ledger.service import require_settings
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items

ZERO = Decimal("0")
SOFTWARE = ("CashPilot", "1.0")


@dataclass(frozen=True)
class ExportFile:
    file_name: str
    media_type: str
    chunks: Iterable[bytes]


def _zone(deps: Deps, org_id: str) -> ZoneInfo:
    org = get_organization(deps.store, org_id)
    return ZoneInfo(org.timezone if org else "Europe/Paris")


def _entries(deps: Deps, org_id: str, fiscal_years: list[dt.date], start: dt.date, end: dt.date) -> Iterator[Entry]:
    """The entries dated within [start, end], in number order: a whole fiscal year is read as one, a part of one
    reads only that part (through the line index), so a monthly export costs a month."""
    heads = {dt.date.fromisoformat(h["fiscal_year"]): h for h in ledger_repo.heads(deps.store, org_id)}
    for fiscal_year in fiscal_years:
        year_end = dt.date.fromisoformat(heads[fiscal_year]["fiscal_year_end"]) if fiscal_year in heads else None
        if year_end is not None and start <= fiscal_year and end >= year_end:
            yield from ledger_repo.entries_of_year(deps.store, org_id, fiscal_year)
        else:
            yield from ledger_repo.entries_between(deps.store, org_id, fiscal_year, max(start, fiscal_year),
                                                   min(end, year_end) if year_end else end)


def _fiscal_years(deps: Deps, org_id: str, start: dt.date, end: dt.date) -> list[dt.date]:
    """The fiscal years with entries that overlap [start, end], oldest first."""
    years = []
    for head in ledger_repo.heads(deps.store, org_id):
        first, last = dt.date.fromisoformat(head["fiscal_year"]), dt.date.fromisoformat(head["fiscal_year_end"])
        if first <= end and last >= start:
            years.append(first)
    return sorted(years)


# --- FEC ------------------------------------------------------------------------------------------------------------


def fec_export(deps: Deps, org_id: str, start: dt.date | None, end: dt.date | None,
               fiscal_year: int | None = None) -> ExportFile:
    """The FEC of one fiscal year (``fiscal_year``: the year it closes in) or of a period within one fiscal year.

    The file is named after the SIREN and the fiscal year's closing date, as article A47 A-1 requires, so the
    company profile must carry a SIREN.
    """
    settings = require_settings(deps, org_id)
    company = get_company(deps, org_id)
    if not company.siren:
        raise Conflict("the FEC is named after the company's SIREN: set it with PUT /api/v1/company",
                       code="company_siren_missing", details={"siren": ["required for the FEC"]})
    first, last = _period_in_one_fiscal_year(company, start, end, fiscal_year)
    fy_start, fy_end = fiscal_year_bounds(company.fiscal_year_start, first)
    names = {account.code: account.name for account in accounts_of(deps.store, settings)}
    chunks = fec.fec_text(_entries(deps, org_id, [fy_start], first, last), names, {}, tz=_zone(deps, org_id))
    return ExportFile(file_name=fec.fec_file_name(company.siren, fy_end), media_type="text/plain; charset=utf-8",
                      chunks=chunks)


def _period_in_one_fiscal_year(company: CompanyProfile, start: dt.date | None, end: dt.date | None,
                               fiscal_year: int | None) -> tuple[dt.date, dt.date]:
    if fiscal_year is not None:
        closing = fiscal_year_bounds(company.fiscal_year_start, dt.date(fiscal_year, 12, 31))
        # the fiscal year that closes in `fiscal_year`
        if closing[1].year != fiscal_year:
            closing = fiscal_year_bounds(company.fiscal_year_start, dt.date(fiscal_year, 1, 1))
        return closing
    if start is None or end is None:
        raise field_error("start_date" if start is None else "end_date",
                          "is required (or give fiscal_year)")
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    if fiscal_year_bounds(company.fiscal_year_start, start) != fiscal_year_bounds(company.fiscal_year_start, end):
        raise field_error("end_date", "the FEC covers one fiscal year: start_date and end_date must lie in the same "
                                      "fiscal year")
    return start, end


# --- SAF-T ----------------------------------------------------------------------------------------------------------


def saft_export(deps: Deps, org_id: str, start: dt.date, end: dt.date) -> ExportFile:
    settings = require_settings(deps, org_id)
    if end < start:
        raise field_error("end_date", "must not be before start_date")
    company = get_company(deps, org_id)
    org = get_organization(deps.store, org_id)
    currency = org.currency if org else company.currency
    zone = _zone(deps, org_id)
    years = _fiscal_years(deps, org_id, start, end)

    def entries() -> Iterator[Entry]:
        return _entries(deps, org_id, years, start, end)

    chart = {account.code: account for account in accounts_of(deps.store, settings)}
    opening = balances_at(deps, org_id, start - dt.timedelta(days=1))
    closing = balances_at(deps, org_id, end)
    accounts = [saft.SaftAccount(code=code, name=chart[code].name if code in chart else code,
                                 type=chart[code].type if code in chart else "asset",
                                 opening=_net(opening.get(code)), closing=_net(closing.get(code)))
                for code in sorted(set(opening) | set(closing))]
    customers = _customers(deps, org_id, settings.mappings.get("client", "411"), start, end)
    tax_codes = _tax_codes(settings.vat_rates, entries(), company.country)
    header = saft.SaftCompany(
        name=company.legal_name, registration_number=company.siren or company.national_id or org_id,
        address=saft.SaftAddress(street=" ".join(p for p in (company.address_line1, company.address_line2) if p),
                                 city=company.city or "", postal_code=company.postal_code or "",
                                 country=company.country),
        contact=saft.SaftContact(first_name="-", last_name=company.legal_name[:35], email=company.email or "",
                                 telephone=company.phone or ""),
        country=company.country, currency=currency, vat_number=company.vat_number or "")

    chunks = saft.saft_xml(header, start=start, end=end, created=deps.clock.now(), software=SOFTWARE,
                           accounts=accounts, customers=customers, suppliers=[], tax_codes=tax_codes,
                           entries=entries, tz=zone,
                           invoices=functools.partial(_invoices, deps, org_id, start, end, currency),
                           payments=functools.partial(_payments, deps, org_id, start, end, currency))
    return ExportFile(file_name=f"SAFT_{start.isoformat()}_{end.isoformat()}.xml",
                      media_type="application/xml; charset=utf-8", chunks=chunks)


def _invoices(deps: Deps, org_id: str, start: dt.date, end: dt.date, currency: str) -> Iterator[Invoice]:
    """The period's invoices that were posted: issued (not drafts), in the books' currency."""
    for item in all_items(lambda cursor: invoices_repo.query_by_date(
            deps.store, org_id, client_id=None, start=start.isoformat(), end=end.isoformat(), limit=500,
            cursor=cursor, forward=True)):
        invoice = invoices_repo.from_item(item)
        if invoice.status != "draft" and invoice.currency == currency:
            yield invoice


def _payments(deps: Deps, org_id: str, start: dt.date, end: dt.date, currency: str) -> Iterator[Payment]:
    for item in all_items(lambda cursor: payments_repo.query_by_date(
            deps.store, org_id, client_id=None, start=start.isoformat(), end=end.isoformat(), limit=500,
            cursor=cursor)):
        paid = payments_repo.from_item(item)
        if paid.currency == currency:
            yield paid


def _net(pair: tuple[Decimal, Decimal] | None) -> Decimal:
    return pair[0] - pair[1] if pair else ZERO


def _customers(deps: Deps, org_id: str, control: str, start: dt.date, end: dt.date) -> list[saft.SaftCustomer]:
    """Every client with lines on the control account up to ``end``: their opening and closing balances."""
    opening: dict[str, Decimal] = defaultdict(Decimal)
    closing: dict[str, Decimal] = defaultdict(Decimal)
    names: dict[str, str] = {}
    items = all_items(lambda cursor: ledger_lines.query_lines(deps.store, org_id, account=control, journal=None,
                                                              start=None, end=end.isoformat(), limit=1000,
                                                              cursor=cursor))
    for item in items:
        if aux := item.get("aux_account"):
            amount = Decimal(item["debit"]) - Decimal(item["credit"])
            closing[aux] += amount
            if ledger_lines.ref(item).entry_date < start.isoformat():
                opening[aux] += amount
            names[aux] = item.get("aux_name") or aux
    return [saft.SaftCustomer(id=aux, name=names[aux], account=control, opening=opening[aux], closing=closing[aux])
            for aux in sorted(names)]


def _tax_codes(rates: list, entries: Iterable[Entry], country: str) -> list[saft.SaftTaxCode]:
    found: dict[tuple[str, Decimal], str] = {(r.kind, r.rate.normalize()): r.account for r in rates}
    for entry in entries:
        for line in entry.lines:
            if line.vat_kind and line.vat_rate is not None:
                found.setdefault((line.vat_kind, line.vat_rate.normalize()), line.account)
    return [saft.SaftTaxCode(code=saft.tax_code_name(kind, rate), rate=rate, kind=kind, account=account,  # type: ignore[arg-type]
                             description=f"TVA {'collectée' if kind == 'output' else 'déductible'} {rate_text(rate)}",
                             country=country)
            for (kind, rate), account in sorted(found.items())]


_COUNTRY_NAMES = {"france": "FR", "belgique": "BE", "belgium": "BE", "belgie": "BE", "luxembourg": "LU",
                  "suisse": "CH", "switzerland": "CH", "allemagne": "DE", "germany": "DE", "espagne": "ES",
                  "spain": "ES", "italie": "IT", "italy": "IT", "senegal": "SN", "cote d'ivoire": "CI",
                  "cameroun": "CM", "cameroon": "CM", "maroc": "MA", "morocco": "MA"}


def _iso_country(value: str | None) -> str | None:
    """A client's free-text country as an ISO code, when it is one or a common name."""
    if not value:
        return None
    text = value.strip()
    if len(text) == 2 and text.isalpha():
        return text.upper()
    import pycountry

    try:  # English names and codes
        return str(pycountry.countries.lookup(text).alpha_2)
    except LookupError:
        return _COUNTRY_NAMES.get(fold(text))  # the French names clients most often write


# --- Factur-X -------------------------------------------------------------------------------------------------------


def facturx_export(deps: Deps, org_id: str, invoice_id: str, profile: str, file_format: str) -> ExportFile:
    profile = profile.upper().replace("-", "_")
    if profile not in facturx.PROFILES:
        raise field_error("profile", f"must be one of {', '.join(facturx.PROFILES)}")
    invoice = require_invoice(deps, org_id, invoice_id)
    if invoice.status == "draft" or not invoice.invoice_number:
        raise Conflict("a draft has no definitive number: issue the invoice before exporting it",
                       code="invoice_not_issued")
    company = get_company(deps, org_id)
    client = require_client(deps, org_id, invoice.client_id)
    seller = facturx.Party(name=company.legal_name, country=company.country, address_line1=company.address_line1,
                           address_line2=company.address_line2, postal_code=company.postal_code, city=company.city,
                           vat_number=company.vat_number, siren=company.siren, legal_id=company.national_id,
                           email=company.email, iban=company.iban, bic=company.bic)
    buyer = facturx.Party(name=client.company_name, country=_iso_country(client.country) or company.country,
                          address_line1=client.address,
                          postal_code=client.postal_code, city=client.city, vat_number=client.vat_number,
                          email=client.email)
    mentions = mentions_of(company, invoice)
    xml = facturx.build_cii(invoice, seller, buyer, profile, mentions)
    stem = "facturx_" + "".join(c if c.isalnum() or c in "-_" else "_" for c in invoice.invoice_number)
    if file_format == "pdf":
        # fpdf2 and pypdf load with the first PDF: the other exports' cold starts skip them
        from chalicelib.exports.invoice_pdf import invoice_pdf

        return ExportFile(file_name=f"{stem}.pdf", media_type="application/pdf",
                          chunks=[invoice_pdf(invoice, seller, buyer, xml, profile, mentions)])
    return ExportFile(file_name=f"{stem}.xml", media_type="application/xml; charset=utf-8", chunks=[xml])
