"""The legal exports through the API, on a realistic year of activity, checked by the independent validators in
``../shared/validators``: FEC (article A47 A-1 rules and the DGFiP XSD), SAF-T (the generic OECD 2.00 schema) and
Factur-X (XSD and Schematrons of every profile), plus cross-checks against the trial balance."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_client, new_invoice
from tests.shared_paths import FEC_CHECK, FEC_TO_DGFIP_XML, VALIDATE_SAFT, VALIDATORS, run_validator

COMPANY = {"legal_name": "Atelier Éléonore SARL", "siren": "732829320", "vat_number": "FR44732829320",
           "address_line1": "12 rue de l'Église", "postal_code": "75011", "city": "Paris", "country": "FR",
           "iban": "FR7630006000011234567890189", "bic": "BNPAFRPP", "email": "compta@eleonore.example"}
RATES = ["20", "10", "5.5"]


@pytest.fixture
def backend() -> str:
    """SQLite only: a year of activity through moto's DynamoDB takes minutes (it copies the table on every
    transaction), and the files depend on the books, not on the backend; the access matrix exports from both."""
    return "sqlite"


def realistic_year(api: LocalClient, year: int = 2025, seed: int = 7) -> dict[str, Any]:
    """A year of a small firm: invoices with several lines and rates, payments, cancellations, credit notes,
    expenses (one changed, one deleted)."""
    rng = random.Random(seed)
    assert api.put("/api/v1/company", json=COMPANY).status_code == 200
    assert api.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    clients = [new_client(api, company_name=name, country="FR", address="1 place d'Armes", city="Lyon",
                          postal_code="69002", vat_number=vat)
               for name, vat in (("Boulangerie Lévêque | Fils", None), ("Cabinet Martin", "FR40303265045"),
                                 ("Société Générale d'Études", None))]
    invoices = []
    for month in range(1, 13):
        for n in range(3):
            day = dt.date(year, month, 3 + 8 * n)
            items = [{"description": f"Prestation {k}", "quantity": rng.randint(1, 4),
                      "unit_price": f"{rng.randint(50, 900)}.{rng.randint(0, 99):02d}",
                      "tax_rate": rng.choice(RATES), "discount": rng.choice(["0", "5"])} for k in range(3)]
            body = {"client_id": rng.choice(clients), "date": day.isoformat(),
                    "due_date": (day + dt.timedelta(days=30)).isoformat(), "status": "sent", "items": items}
            response = api.post("/api/v1/invoices", json=body)
            assert response.status_code == 201, response.text
            invoices.append(response.json()["data"])
        spent = api.post("/api/v1/expenses", json={"expense_date": dt.date(year, month, 12).isoformat(),
                                                   "amount": f"{rng.randint(20, 400)}.00", "tax_rate": 20,
                                                   "category": rng.choice(["travel", "software", "rent"]),
                                                   "supplier": "Fournisseur"})
        assert spent.status_code == 201, spent.text
    for invoice in invoices[:-6]:
        paid = api.post("/api/v1/payments", json={"invoice_id": invoice["id"], "amount": str(invoice["total_ttc"]),
                                                  "payment_date": (dt.date.fromisoformat(invoice["date"])
                                                                   + dt.timedelta(days=20)).isoformat()})
        assert paid.status_code == 201, paid.text
    assert api.patch(f"/api/v1/invoices/{invoices[-1]['id']}", json={"status": "cancelled"}).status_code == 200
    note = api.post("/api/v1/credit-notes", json={"invoice_id": invoices[-2]["id"], "reason": "Remise",
                                                  "date": f"{year}-12-28"})
    assert note.status_code == 201, note.text
    return {"invoices": invoices}


def fec_file(api: LocalClient, tmp_path: Path, **params: Any) -> Path:
    response = api.get("/api/v1/exports/fec", params=params)
    assert response.status_code == 200, response.text
    name = response.headers["Content-Disposition"].split('filename="')[1].rstrip('"')
    path = tmp_path / name
    path.write_bytes(response.body if isinstance(response.body, bytes) else response.body.encode())
    return path


def test_fec_of_a_realistic_year_passes_the_independent_checks_and_matches_the_trial_balance(
        api: LocalClient, tmp_path: Path) -> None:
    realistic_year(api)
    path = fec_file(api, tmp_path, fiscal_year=2025)
    assert path.name == "732829320FEC20251231.txt"
    checked = run_validator(FEC_CHECK, path, "--start", "20250101")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    as_xml = run_validator(FEC_TO_DGFIP_XML, path)
    assert as_xml.returncode == 0 and "VALID" in as_xml.stdout, as_xml.stdout + as_xml.stderr
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw and not raw.endswith(b"\r\n")
    totals: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for record in raw.decode().split("\r\n")[1:]:
        fields = record.split("|")
        assert len(fields) == 18
        totals[fields[4]][0] += Decimal(fields[11].replace(",", "."))
        totals[fields[4]][1] += Decimal(fields[12].replace(",", "."))
    trial = api.get("/api/v1/accounting/trial-balance", params={"date": "2025-12-31"}).json()["data"]
    assert {code: tuple(v) for code, v in totals.items()} == {
        row["account_code"]: (row["total_debit"], row["total_credit"]) for row in trial["accounts"]}


def test_fec_refuses_a_period_across_fiscal_years_and_needs_a_siren(api: LocalClient) -> None:
    assert api.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    missing = api.get("/api/v1/exports/fec", params={"start_date": "2026-01-01", "end_date": "2026-01-31"})
    assert missing.status_code == 409 and missing.json()["error"] == "company_siren_missing"
    assert api.put("/api/v1/company", json=COMPANY).status_code == 200
    across = api.get("/api/v1/exports/fec", params={"start_date": "2025-12-01", "end_date": "2026-01-31"})
    assert across.status_code == 422 and "end_date" in across.json()["details"]
    no_dates = api.get("/api/v1/exports/fec")
    assert no_dates.status_code == 422 and "start_date" in no_dates.json()["details"]


def test_saft_of_a_realistic_year_is_valid_and_agrees_with_the_books(api: LocalClient, tmp_path: Path) -> None:
    realistic_year(api)
    response = api.get("/api/v1/exports/saft", params={"start_date": "2025-01-01", "end_date": "2025-12-31"})
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("application/xml")
    path = tmp_path / "saft.xml"
    path.write_bytes(response.body if isinstance(response.body, bytes) else response.body.encode())
    checked = run_validator(VALIDATE_SAFT, path)
    assert checked.returncode == 0, checked.stdout
    ns = {"s": "urn:OECD:StandardAuditFile-Taxation/2.00"}
    root = etree.parse(str(path)).getroot()
    assert root.findtext("s:Header/s:DefaultCurrencyCode", namespaces=ns) == "EUR"
    ledger = root.find("s:GeneralLedgerEntries", ns)
    assert ledger is not None
    transactions = ledger.findall("s:Journal/s:Transaction", ns)
    assert int(ledger.findtext("s:NumberOfEntries", namespaces=ns) or 0) == len(transactions)
    trial = api.get("/api/v1/accounting/trial-balance", params={"date": "2025-12-31"}).json()["data"]
    assert Decimal(ledger.findtext("s:TotalDebit", namespaces=ns) or "0") == trial["total_debit"]
    invoices = root.findall("s:SourceDocuments/s:SalesInvoices/s:Invoice", ns)
    assert len(invoices) == 36


def test_facturx_of_an_issued_invoice_passes_every_profile_and_embeds_in_a_pdf(api: LocalClient,
                                                                             tmp_path: Path) -> None:
    import facturx

    if not VALIDATORS.is_dir():
        pytest.skip(f"../shared/validators absent: {VALIDATORS}")
    data = realistic_year(api)
    invoice = data["invoices"][0]
    paths = []
    for profile in ("MINIMUM", "BASIC_WL", "BASIC", "EN16931"):
        response = api.get(f"/api/v1/exports/facturx/{invoice['id']}", params={"profile": profile})
        assert response.status_code == 200, response.text
        path = tmp_path / f"{profile}.xml"
        path.write_bytes(response.body if isinstance(response.body, bytes) else response.body.encode())
        paths.append(path)
    checked = run_validator(VALIDATORS / "check_facturx.py", *paths)
    assert checked.returncode == 0, checked.stdout
    pdf = api.get(f"/api/v1/exports/facturx/{invoice['id']}", params={"profile": "EN16931", "format": "pdf"},
                  headers={"Accept": "application/pdf"})
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    _, xml = facturx.get_xml_from_pdf(pdf.body, check_xsd=True)
    assert invoice["invoice_number"].encode() in xml


def test_facturx_refuses_a_draft_and_an_unknown_profile(api: LocalClient) -> None:
    assert api.put("/api/v1/company", json=COMPANY).status_code == 200
    draft = api.post("/api/v1/invoices", json={"client_id": new_client(api, country="FR"), "total_ht": "10",
                                               "tax_rate": 20, "total_ttc": "12"}).json()["data"]
    refused = api.get(f"/api/v1/exports/facturx/{draft['id']}")
    assert refused.status_code == 409 and refused.json()["error"] == "invoice_not_issued"
    unknown = api.get(f"/api/v1/exports/facturx/{draft['id']}", params={"profile": "GOLD"})
    assert unknown.status_code == 422 and "profile" in unknown.json()["details"]


def test_exports_of_one_organization_never_show_another(api: LocalClient, other_tenant: Any,
                                                        tmp_path: Path) -> None:
    realistic_year(api)
    other = other_tenant.client
    assert other.put("/api/v1/company", json=COMPANY).status_code == 200
    assert other.post("/api/v1/accounting/init", json={"country": "FR"}).status_code == 201
    response = other.get("/api/v1/exports/fec", params={"fiscal_year": 2025})
    body = response.body if isinstance(response.body, bytes) else response.body.encode()
    assert response.status_code == 200 and body.count(b"\r\n") == 0  # the header line only
    invoice_id = api.get("/api/v1/invoices").json()["data"][0]["id"]
    assert other.get(f"/api/v1/exports/facturx/{invoice_id}").status_code == 404


def test_a_large_export_is_streamed_to_the_blob_store_and_served_by_its_signed_link(
        api: LocalClient, anonymous: LocalClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from chalicelib.api import exports

    realistic_year(api)
    inline = api.get("/api/v1/exports/fec", params={"fiscal_year": 2025})
    monkeypatch.setattr(exports, "INLINE_LIMIT", 1000)
    redirected = api.get("/api/v1/exports/fec", params={"fiscal_year": 2025})
    assert redirected.status_code == 303, redirected.text
    link = redirected.headers["Location"]
    assert redirected.json()["data"]["download_url"] == link and link.startswith("/downloads/")
    downloaded = anonymous.get(link)
    assert downloaded.status_code == 200 and downloaded.body == inline.body
    tampered = anonymous.get(link[:-4] + "0000")
    assert tampered.status_code == 404 and tampered.json()["error"] == "download_not_found"


def _xml_and_pdf_text(api: LocalClient, invoice_id: str) -> tuple[bytes, str]:
    import io

    from pypdf import PdfReader

    xml = api.get(f"/api/v1/exports/facturx/{invoice_id}", params={"profile": "EN16931"})
    pdf = api.get(f"/api/v1/exports/facturx/{invoice_id}", params={"profile": "EN16931", "format": "pdf"},
                  headers={"Accept": "application/pdf"})
    assert xml.status_code == 200 and pdf.status_code == 200, (xml.text, pdf.text)
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body)).pages)
    body = xml.body if isinstance(xml.body, bytes) else xml.body.encode()
    return body, " ".join(text.replace("\u00a0", " ").split())


def _notes(xml: bytes) -> dict[str, str]:
    ns = {"ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"}
    return {str(note.findtext("ram:SubjectCode", namespaces=ns)): str(note.findtext("ram:Content", namespaces=ns))
            for note in etree.fromstring(xml).iterfind(".//ram:IncludedNote", ns)}


def test_invoice_exports_carry_the_legal_mentions_of_the_company_profile(api: LocalClient) -> None:
    assert api.put("/api/v1/company", json={**COMPANY, "recovery_indemnity": "50",
                                            "early_payment_discount": "Escompte de 2 % à 10 jours."}).status_code == 200
    invoice = new_invoice(api, new_client(api, country="FR"))
    xml, text = _xml_and_pdf_text(api, invoice["id"])
    notes = _notes(xml)
    assert notes["AAB"] == "Escompte de 2 % à 10 jours." and "50,00 €" in notes["PMT"]
    assert "BCE majoré de 10 points" in notes["PMD"] and "TXD" not in notes
    assert "Escompte de 2 % à 10 jours." in text and "frais de recouvrement due en cas de retard de paiement : " \
                                                     "50,00 €" in text
    assert "BCE majoré de 10 points" in text


def test_a_vat_exempt_seller_states_the_franchise_on_invoices_without_vat(api: LocalClient) -> None:
    assert api.put("/api/v1/company", json={**COMPANY, "vat_exempt": True}).status_code == 200
    client = new_client(api, country="FR")
    exempt = new_invoice(api, client, total_ht="300.00", tax_rate=0, total_ttc="300.00")
    xml, text = _xml_and_pdf_text(api, exempt["id"])
    assert _notes(xml)["TXD"] == "TVA non applicable, art. 293 B du CGI"
    assert "TVA non applicable, art. 293 B du CGI" in text
    with_vat = new_invoice(api, client)  # stated VAT is due whatever the status: no contrary wording
    xml, text = _xml_and_pdf_text(api, with_vat["id"])
    assert "TXD" not in _notes(xml) and "TVA non applicable" not in text
