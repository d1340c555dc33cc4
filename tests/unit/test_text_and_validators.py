"""Search folding and the shared field validators."""

from __future__ import annotations

import pytest

from chalicelib.core.text import fold
from chalicelib.core.validators import check_bic, check_email, check_iban, check_vat_number


@pytest.mark.parametrize(("raw", "folded"), [
    ("Société Générale", "societe generale"), ("  ÉLODIE   Martin ", "elodie martin"), ("Straße", "strasse"),
    ("", ""), (None, ""), ("Œuvre", "œuvre"),
])
def test_fold_ignores_accents_case_and_spacing(raw: str | None, folded: str) -> None:
    assert fold(raw) == folded


def test_vat_numbers_of_several_countries_are_checked_and_compacted() -> None:
    assert check_vat_number("FR 40 303 265 045") == "FR40303265045"
    assert check_vat_number("BE0403019261") == "BE0403019261"
    for bad in ("FR40303265046", "303265045", "XX123"):
        with pytest.raises(ValueError, match="VAT"):
            check_vat_number(bad)


def test_iban_bic_and_email_are_checked() -> None:
    assert check_iban("FR76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert check_bic("BNPAFRPP") == "BNPAFRPP"
    assert check_email("Contact@Alpha.fr") == "Contact@alpha.fr"
    for check, bad in ((check_iban, "FR7630006000011234567890188"), (check_bic, "BNPA"), (check_email, "a@")):
        with pytest.raises(ValueError):
            check(bad)
