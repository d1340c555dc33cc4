"""The company profile's rules: fiscal years, identifiers, and the body of ``PUT /api/v1/company``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from chalicelib.api.errors import from_validation
from chalicelib.company.models import (
    DEFAULT_EARLY_PAYMENT_DISCOUNT,
    DEFAULT_LATE_PAYMENT_PENALTY,
    CompanyProfile,
    CompanyUpdate,
    accounting_country_of,
    check_bic,
    check_country,
    check_fiscal_year_start,
    check_iban,
    check_iso_currency,
    check_siren,
    check_siret,
    check_website,
    fiscal_year_bounds,
    fr_vat_of,
)
from chalicelib.company.repository import from_item, to_item


@pytest.mark.parametrize(("start", "day", "bounds"), [
    ("01-01", date(2026, 3, 10), (date(2026, 1, 1), date(2026, 12, 31))),
    ("01-01", date(2026, 1, 1), (date(2026, 1, 1), date(2026, 12, 31))),
    ("01-01", date(2026, 12, 31), (date(2026, 1, 1), date(2026, 12, 31))),
    ("07-01", date(2026, 3, 10), (date(2025, 7, 1), date(2026, 6, 30))),
    ("07-01", date(2026, 6, 30), (date(2025, 7, 1), date(2026, 6, 30))),
    ("07-01", date(2026, 7, 1), (date(2026, 7, 1), date(2027, 6, 30))),
    ("07-01", date(2026, 12, 31), (date(2026, 7, 1), date(2027, 6, 30))),
    ("03-01", date(2024, 2, 29), (date(2023, 3, 1), date(2024, 2, 29))),
    ("03-01", date(2025, 2, 28), (date(2024, 3, 1), date(2025, 2, 28))),
    ("12-31", date(2026, 12, 30), (date(2025, 12, 31), date(2026, 12, 30))),
    ("12-31", date(2026, 12, 31), (date(2026, 12, 31), date(2027, 12, 30))),
])
def test_fiscal_year_bounds_give_the_year_holding_the_day(start: str, day: date, bounds: tuple[date, date]) -> None:
    # Given a fiscal-year start and a day, When the bounds are computed, Then they hold the day and span a year
    first, last = fiscal_year_bounds(start, day)
    assert (first, last) == bounds
    assert first <= day <= last


@pytest.mark.parametrize("bad", ["02-29", "13-01", "00-10", "04-31", "1-01", "01/01", "0101", "",
                                 "\u0661\u0662-\u0660\u0661"])  # Arabic-Indic digits are not MM-DD
def test_fiscal_year_start_must_be_a_day_of_every_year(bad: str) -> None:
    with pytest.raises(ValueError, match="MM-DD"):
        check_fiscal_year_start(bad)
    with pytest.raises(ValueError):
        fiscal_year_bounds(bad, date(2026, 1, 1))


def test_real_french_identifiers_are_accepted_and_compacted() -> None:
    assert check_siren("732 829 320") == "732829320"
    assert check_siret("732 829 320 00074") == "73282932000074"
    assert fr_vat_of("732829320") == "FR44732829320"


@pytest.mark.parametrize(("check", "bad", "rule"), [
    (check_siren, "732829321", "Luhn"),
    (check_siren, "12345", "SIREN"),
    (check_siret, "73282932000075", "Luhn"),
    (check_iban, "FR7630006000011234567890188", "IBAN"),
    (check_iban, "XX7630006000011234567890189", "IBAN"),
    (check_bic, "BNPAXXPP", "BIC"),
    (check_bic, "BNPA", "BIC"),
    (check_country, "ZZ", "ISO 3166"),
    (check_country, "FRA", "ISO 3166"),
    (check_iso_currency, "EURO", "ISO 4217"),
    (check_iso_currency, "ABC", "ISO 4217"),
    (check_iso_currency, "XAU", "ISO 4217"),
    (check_website, "not a site", "web address"),
    (check_website, "ftp://example.com", "web address"),
])
def test_identifiers_are_refused_naming_their_rule(check: Any, bad: str, rule: str) -> None:
    with pytest.raises(ValueError, match=rule):
        check(bad)


def test_bank_details_country_and_currency_are_normalised() -> None:
    assert check_iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert check_bic("bnpafrpp") == "BNPAFRPP"
    assert check_country("be") == "BE"
    assert check_iso_currency("xof") == "XOF"
    assert check_website("www.example.com") == "www.example.com"


@pytest.mark.parametrize(("country", "expected"), [
    ("FR", "FR"), ("BE", "BE"), ("SN", "OHADA"), ("CI", "OHADA"), ("CD", "OHADA"), ("GQ", "OHADA"), ("KM", "OHADA"),
    ("DE", "FR"), ("US", "FR"),
])
def test_accounting_country_follows_the_country(country: str, expected: str) -> None:
    assert accounting_country_of(country) == expected
    assert CompanyUpdate(legal_name="X", country=country).accounting_country == expected


def _details(body: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as caught:
        CompanyUpdate.model_validate(body)
    return from_validation(caught.value).details


def test_body_defaults_and_compacts_identifiers() -> None:
    body = CompanyUpdate(legal_name="ACME", siren="732 829 320", siret="73282932000074", vat_number="fr 44732829320",
                         iban="FR76 3000 6000 0112 3456 7890 189", bic="BNPAFRPP", trade_name="  ")
    assert body.siren == "732829320" and body.siret == "73282932000074" and body.vat_number == "FR44732829320"
    assert body.iban == "FR7630006000011234567890189" and body.trade_name is None
    assert body.country == "FR" and body.currency is None and body.fiscal_year_start == "01-01"
    assert body.accounting_country == "FR"


def test_siret_must_start_with_the_siren() -> None:
    assert "siret" in _details({"legal_name": "X", "siren": "732829320", "siret": "40483304800022"})


@pytest.mark.parametrize("vat", ["FR45732829320", "FR40303265045"])
def test_french_vat_number_must_be_the_sirens_own(vat: str) -> None:
    details = _details({"legal_name": "X", "siren": "732829320", "vat_number": vat})
    assert list(details) == ["vat_number"]


def test_eu_vat_number_needs_its_country_prefix_but_other_countries_take_free_text() -> None:
    assert "vat_number" in _details({"legal_name": "X", "country": "BE", "vat_number": "0403170701"})
    assert CompanyUpdate(legal_name="X", country="BE", vat_number="BE 0403.170.701").vat_number == "BE0403170701"
    assert CompanyUpdate(legal_name="X", country="SN", vat_number="NINEA 0012345 2G3").vat_number == \
        "NINEA 0012345 2G3"


def test_belgian_enterprise_number_is_checked_only_in_belgium() -> None:
    assert CompanyUpdate(legal_name="X", country="BE", national_id="0403.170.701").national_id == "0403170701"
    assert "national_id" in _details({"legal_name": "X", "country": "BE", "national_id": "0403.170.702"})
    assert CompanyUpdate(legal_name="X", country="CI", national_id="CI-ABJ-2020-B-12345").national_id == \
        "CI-ABJ-2020-B-12345"


def test_read_only_fields_sent_back_are_ignored_but_unknown_ones_refused() -> None:
    assert CompanyUpdate.model_validate({"legal_name": "X", "version": 3, "updated_at": None}).legal_name == "X"
    assert "owner" in _details({"legal_name": "X", "owner": "me"})


def test_legal_mentions_default_to_the_usual_french_wording() -> None:
    body = CompanyUpdate(legal_name="ACME")
    assert "BCE majoré de 10 points" in body.late_payment_penalty and "L441-10" in body.late_payment_penalty
    assert body.recovery_indemnity == Decimal("40.00")
    assert body.early_payment_discount == "Pas d'escompte pour paiement anticipé."
    assert body.vat_exempt is False and body.vat_exemption_text == "TVA non applicable, art. 293 B du CGI"


@pytest.mark.parametrize(("field", "value"), [
    ("recovery_indemnity", "39.99"),
    ("recovery_indemnity", "40.001"),
    ("late_payment_penalty", ""),
    ("early_payment_discount", ""),
    ("vat_exemption_text", ""),
    ("early_payment_discount", "x" * 501),
])
def test_legal_mentions_are_refused_naming_the_field(field: str, value: str) -> None:
    assert list(_details({"legal_name": "ACME", field: value})) == [field]


def test_recovery_indemnity_below_the_legal_40_euros_names_the_article() -> None:
    assert "D441-5" in _details({"legal_name": "ACME", "recovery_indemnity": 25})["recovery_indemnity"][0]


def test_profile_stored_before_the_legal_mentions_loads_with_their_defaults() -> None:
    old_item = {"pk": "ORG#org-1", "sk": "COMPANY", "entity": "company", "org_id": "org-1", "legal_name": "ACME",
                "currency": "EUR", "country": "FR", "fiscal_year_start": "01-01", "accounting_country": "FR",
                "updated_at": "2026-01-05T10:00:00Z", "version": 3}
    profile = from_item(old_item)
    assert profile.recovery_indemnity == Decimal("40.00") and profile.vat_exempt is False
    assert profile.early_payment_discount == DEFAULT_EARLY_PAYMENT_DISCOUNT
    assert profile.late_payment_penalty == DEFAULT_LATE_PAYMENT_PENALTY


def test_legal_mentions_survive_the_stored_item_round_trip() -> None:
    profile = CompanyProfile(org_id="org-1", legal_name="ACME", currency="EUR", recovery_indemnity=Decimal("55.50"),
                             late_payment_penalty="Trois fois le taux d'intérêt légal.", vat_exempt=True,
                             early_payment_discount="Escompte de 1 % à 8 jours.", vat_exemption_text="Franchise.")
    assert from_item(to_item(profile)) == profile
