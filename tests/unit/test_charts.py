"""The official charts of accounts shipped as package data, their default posting mappings and VAT rates."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest

from chalicelib.ledger.charts import JOURNALS, Country, chart, default_mappings, default_vat_rates

COUNTRIES: tuple[Country, ...] = ("FR", "BE", "OHADA")

MAPPING_KEYS = {
    "client", "supplier", "bank", "cash", "check", "card", "vat_output", "vat_input", "revenue", "revenue.service",
    "revenue.product", "opening_balance", "expense.general", "expense.office", "expense.travel", "expense.meals",
    "expense.transport", "expense.software", "expense.hardware", "expense.marketing", "expense.legal",
    "expense.insurance", "expense.rent", "expense.utilities", "expense.telecom", "expense.training",
    "expense.consulting", "expense.other",
}

# The type a mapped account must have for the entries posted to it to land on the right side of the statements.
EXPECTED_TYPE = {"client": "asset", "bank": "asset", "cash": "asset", "check": "asset", "card": "asset",
                 "vat_input": "asset", "supplier": "liability", "vat_output": "liability"}

# Lower bounds well above any excerpt: the full nomenclatures hold about 1,000 (PCG), 540 (PCMN) and 1,400
# (SYSCOHADA) accounts.
MINIMUM_SIZE = {"FR": 950, "BE": 500, "OHADA": 1300}
CLASSES = {"FR": set(range(1, 9)), "BE": set(range(0, 8)), "OHADA": set(range(1, 10))}


def by_code(country: Country) -> dict[str, str]:
    return {account.code: account.name for account in chart(country)}


def types(country: Country) -> dict[str, str]:
    return {account.code: account.type for account in chart(country)}


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_chart_loads_sorted_with_unique_digit_only_codes(country: Country) -> None:
    codes = [account.code for account in chart(country)]
    assert codes == sorted(codes)
    assert len(codes) == len(set(codes))
    assert all(code.isdigit() and 2 <= len(code) <= 6 for code in codes)
    assert all(account.name.strip() == account.name and account.name for account in chart(country))


@pytest.mark.parametrize("country", COUNTRIES)
def test_a_chart_is_the_full_nomenclature_covering_every_class(country: Country) -> None:
    accounts = chart(country)
    assert len(accounts) >= MINIMUM_SIZE[country]
    assert {account.account_class for account in accounts} == CLASSES[country]


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_account_class_is_the_first_digit_of_its_code(country: Country) -> None:
    assert all(account.account_class == int(account.code[0]) for account in chart(country))


@pytest.mark.parametrize("country", COUNTRIES)
def test_the_parent_is_the_closest_shorter_code_present(country: Country) -> None:
    codes = set(by_code(country))
    for account in chart(country):
        shorter = [account.code[:n] for n in range(len(account.code) - 1, 0, -1) if account.code[:n] in codes]
        assert account.parent_code == (shorter[0] if shorter else None), account.code
        if account.parent_code is not None:
            assert account.parent_code in codes
            assert account.code.startswith(account.parent_code)


@pytest.mark.parametrize("country", COUNTRIES)
def test_two_digit_accounts_head_their_class_without_parent(country: Country) -> None:
    heads = [account for account in chart(country) if len(account.code) == 2]
    assert heads and all(account.parent_code is None for account in heads)
    assert all(account.parent_code is not None for account in chart(country) if len(account.code) > 2
               and account.code[:2] in by_code(country))


@pytest.mark.parametrize(("country", "code", "parent"), [
    ("FR", "44571", "4457"), ("FR", "530", "53"), ("FR", "890", "89"), ("FR", "29787", "297"),
    ("BE", "4110", "411"), ("BE", "4510", "451"), ("BE", "6100", "610"), ("BE", "610", "61"),
    ("OHADA", "4431", "443"), ("OHADA", "521", "52"), ("OHADA", "6343", "634"),
])
def test_parents_of_well_known_accounts(country: Country, code: str, parent: str) -> None:
    assert {a.code: a.parent_code for a in chart(country)}[code] == parent


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_account_has_one_of_the_five_types(country: Country) -> None:
    assert {account.type for account in chart(country)} == {"asset", "liability", "equity", "revenue", "expense"}


@pytest.mark.parametrize("country", COUNTRIES)
def test_expense_and_revenue_classes_and_asset_classes_are_typed_by_class(country: Country) -> None:
    for account in chart(country):
        if account.account_class == 6:
            assert account.type == "expense", account.code
        elif account.account_class == 7:
            assert account.type == "revenue", account.code
        elif account.account_class in (2, 3):
            assert account.type == "asset", account.code


def test_ohada_class_8_splits_charges_and_products_by_second_digit() -> None:
    for account in chart("OHADA"):
        if account.account_class == 8:
            expected = "expense" if int(account.code[1]) % 2 == 1 else "revenue"
            assert account.type == expected, account.code


@pytest.mark.parametrize(("country", "code", "kind"), [
    ("FR", "101", "equity"), ("FR", "120", "equity"), ("FR", "151", "liability"), ("FR", "164", "liability"),
    ("FR", "2815", "asset"), ("FR", "409", "asset"), ("FR", "419", "liability"), ("FR", "4456", "asset"),
    ("FR", "4457", "liability"), ("FR", "519", "liability"), ("FR", "890", "equity"),
    ("BE", "100", "equity"), ("BE", "14", "equity"), ("BE", "160", "liability"), ("BE", "173", "liability"),
    ("BE", "2809", "asset"), ("BE", "411", "asset"), ("BE", "451", "liability"), ("BE", "433", "liability"),
    ("BE", "000", "equity"),
    ("OHADA", "101", "equity"), ("OHADA", "131", "equity"), ("OHADA", "162", "liability"),
    ("OHADA", "191", "liability"), ("OHADA", "2845", "asset"), ("OHADA", "391", "asset"),
    ("OHADA", "4452", "asset"), ("OHADA", "4431", "liability"), ("OHADA", "561", "liability"),
    ("OHADA", "811", "expense"), ("OHADA", "822", "revenue"), ("OHADA", "891", "expense"),
])
def test_balance_sheet_accounts_are_typed_by_their_nature(country: Country, code: str, kind: str) -> None:
    assert types(country)[code] == kind


@pytest.mark.parametrize(("country", "code", "label"), [
    ("FR", "411", "Clients"), ("FR", "401", "Fournisseurs"), ("FR", "512", "Banques"),
    ("FR", "44571", "TVA collectée"), ("FR", "44566", "TVA sur autres biens et services"),
    ("FR", "6064", "Fournitures administratives"), ("FR", "6226", "Honoraires"),
    ("FR", "7085", "Ports et frais accessoires facturés"),
    ("FR", "890", "Bilan d'ouverture"), ("FR", "706", "Prestations de services"),
    ("BE", "400", "Clients"), ("BE", "440", "Fournisseurs"), ("BE", "411", "TVA à récupérer"),
    ("BE", "451", "TVA à payer"), ("BE", "570", "Caisses-espèces"), ("BE", "700", "Ventes et prestations de services"),
    ("OHADA", "411", "Clients"), ("OHADA", "4431", "TVA facturée sur ventes"),
    ("OHADA", "4452", "TVA récupérable sur achats"), ("OHADA", "521", "Banques locales"),
    ("OHADA", "571", "Caisse siège social"), ("OHADA", "706", "Services vendus"),
])
def test_well_known_accounts_carry_their_official_label(country: Country, code: str, label: str) -> None:
    assert by_code(country)[code] == label


def test_belgian_bank_account_is_a_credit_institution_account() -> None:
    assert by_code("BE")["550"].startswith("Établissements de crédit")


@pytest.mark.parametrize("country", COUNTRIES)
def test_default_mappings_cover_every_posting_key(country: Country) -> None:
    assert set(default_mappings(country)) == MAPPING_KEYS


@pytest.mark.parametrize("country", COUNTRIES)
def test_every_mapped_account_exists_with_a_type_consistent_with_its_use(country: Country) -> None:
    kinds = types(country)
    for key, code in default_mappings(country).items():
        assert code in kinds, f"{country} {key} -> {code} is not in the chart"
        if key in EXPECTED_TYPE:
            assert kinds[code] == EXPECTED_TYPE[key], f"{country} {key} -> {code}"
        elif key.startswith("revenue"):
            assert kinds[code] == "revenue", f"{country} {key} -> {code}"
        elif key.startswith("expense."):
            assert kinds[code] == "expense", f"{country} {key} -> {code}"
        else:
            # opening_balance: a balance-sheet contra account, never one that would move the result
            assert kinds[code] in ("asset", "liability", "equity"), f"{country} {key} -> {code}"


@pytest.mark.parametrize(("country", "fixed"), [
    ("FR", {"client": "411", "supplier": "401", "bank": "512", "cash": "530", "check": "512", "card": "512",
            "vat_output": "44571", "vat_input": "44566", "revenue": "706", "revenue.service": "706",
            "revenue.product": "701", "opening_balance": "890", "expense.general": "618",
            "expense.office": "6064", "expense.travel": "6251", "expense.meals": "6257",
            "expense.transport": "6241", "expense.hardware": "6063", "expense.marketing": "6231",
            "expense.legal": "6226", "expense.insurance": "616", "expense.rent": "6132",
            "expense.utilities": "6061", "expense.telecom": "626", "expense.training": "6333",
            "expense.consulting": "6226", "expense.other": "658"}),
    ("BE", {"client": "400", "supplier": "440", "bank": "550", "cash": "570", "check": "550", "card": "550",
            "vat_output": "4510", "vat_input": "4110", "revenue": "700"}),
    ("OHADA", {"client": "411", "supplier": "401", "bank": "521", "cash": "571", "check": "513", "card": "521",
               "vat_output": "4431", "vat_input": "4452", "revenue": "706", "revenue.service": "706",
               "revenue.product": "702", "expense.general": "638", "expense.transport": "618",
               "expense.marketing": "627", "expense.legal": "6324", "expense.insurance": "625",
               "expense.rent": "6222", "expense.telecom": "628", "expense.training": "633",
               "expense.other": "658"}),
])
def test_default_mappings_use_the_specified_accounts(country: Country, fixed: dict[str, str]) -> None:
    mappings = default_mappings(country)
    assert {key: mappings[key] for key in fixed} == fixed


def test_belgian_and_ohada_expenses_are_not_french_codes_that_mean_something_else() -> None:
    # 618 is directors' pay in the PCMN and 6371 temporary staff in SYSCOHADA: neither may receive overheads.
    be, ohada = by_code("BE"), by_code("OHADA")
    assert default_mappings("BE")["expense.general"] != "618"
    assert default_mappings("OHADA")["expense.travel"] != "6371"
    assert "Voyages" in ohada[default_mappings("OHADA")["expense.travel"]]
    assert "Loyers" in be[default_mappings("BE")["expense.rent"]]
    assert "logiciels" in ohada[default_mappings("OHADA")["expense.software"]].lower()


def test_default_mappings_return_a_fresh_copy() -> None:
    first = default_mappings("FR")
    first["client"] = "4111"
    assert default_mappings("FR")["client"] == "411"


@pytest.mark.parametrize(("country", "output", "inputs", "expected"), [
    ("FR", "44571", "44566", ["20", "10", "5.5", "2.1"]),
    ("BE", "4510", "4110", ["21", "12", "6", "0"]),
    ("OHADA", "4431", "4452", ["18", "19.25", "0"]),
])
def test_default_vat_rates_are_the_countrys_rates_on_its_vat_accounts(country: Country, output: str, inputs: str,
                                                                      expected: list[str]) -> None:
    rates = default_vat_rates(country)
    for kind, account in (("output", output), ("input", inputs)):
        mine = [rate for rate in rates if rate.kind == kind]
        assert [rate.rate for rate in mine] == [Decimal(value) for value in expected]
        assert {rate.account for rate in mine} == {account}
        assert [rate.rate for rate in mine if rate.is_default] == [Decimal(expected[0])]


@pytest.mark.parametrize("country", COUNTRIES)
def test_vat_rates_are_percentages_on_vat_accounts_of_the_chart(country: Country) -> None:
    kinds = types(country)
    for rate in default_vat_rates(country):
        assert isinstance(rate.rate, Decimal)
        assert rate.rate == 0 or rate.rate > 1, "a rate is a percentage, never a fraction"
        assert rate.rate < 100
        assert kinds[rate.account] == ("liability" if rate.kind == "output" else "asset")
    for kind in ("output", "input"):
        assert sum(1 for rate in default_vat_rates(country) if rate.kind == kind and rate.is_default) == 1


def test_chart_is_loaded_once_and_immutable() -> None:
    assert chart("FR") is chart("FR")
    assert isinstance(chart("FR"), tuple)
    with pytest.raises(AttributeError):
        chart("FR")[0].name = "changed"  # type: ignore[misc]


@pytest.mark.parametrize("call", [chart, default_mappings, default_vat_rates])
def test_an_unknown_country_is_refused(call: object) -> None:
    with pytest.raises(ValueError, match="unknown accounting country"):
        call("DE")  # type: ignore[operator]


def test_the_data_files_ship_inside_the_package() -> None:
    package = resources.files("chalicelib.ledger.charts")
    for name in ("fr_pcg.json", "be_pcmn.json", "ohada_syscohada.json"):
        assert package.joinpath(name).is_file()


def test_journals_are_the_five_standard_ones() -> None:
    assert JOURNALS == {"VE": "Ventes", "AC": "Achats", "BQ": "Banque", "OD": "Opérations diverses",
                        "AN": "À-nouveaux"}
