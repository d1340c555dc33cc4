"""Field validators shared by every model: identifiers through python-stdnum, e-mails through email-validator.

Each returns the normalised value or raises ``ValueError`` with a message naming the rule, so pydantic turns it
into a 422 whose details name the field. The two libraries are imported on the first check, not with the models:
email-validator compiles its RFC grammar at import and python-stdnum loads a module per country, which a route
group's cold start would otherwise pay for fields it may never validate.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BeforeValidator

_PHONE = re.compile(r"^\+?[0-9 ().\-/]{4,40}$")
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def blank_to_none(value: object) -> object:
    """Optional text fields: surrounding spaces are dropped and an empty string means "no value"."""
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return value


def check_email(value: str) -> str:
    from email_validator import EmailNotValidError, validate_email  # lazy: its import compiles the RFC regexes

    try:
        return validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValueError(f"not a valid e-mail address ({exc})") from exc


def check_vat_number(value: str) -> str:
    """An intra-community (or other supported) VAT number with its country prefix, e.g. ``FR40303265045``."""
    from stdnum import vatin  # lazy: stdnum is loaded on the first identifier checked, not at cold start
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return str(vatin.validate(value))
    except StdnumError as exc:
        raise ValueError(
            f"not a valid VAT number ({exc}); include the country prefix, e.g. FR40303265045"
        ) from exc


def check_iban(value: str) -> str:
    from stdnum import iban as stdnum_iban  # lazy: stdnum is loaded on the first identifier checked
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return str(stdnum_iban.validate(value))
    except StdnumError as exc:
        raise ValueError(f"not a valid IBAN ({exc})") from exc


def check_bic(value: str) -> str:
    from stdnum import bic as stdnum_bic  # lazy: stdnum is loaded on the first identifier checked
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return str(stdnum_bic.validate(value))
    except StdnumError as exc:
        raise ValueError(f"not a valid BIC ({exc})") from exc


def check_phone(value: str) -> str:
    if not _PHONE.match(value):
        raise ValueError("not a valid phone number (digits, spaces, + ( ) . - /; 4 to 40 characters)")
    return value


def check_currency(value: str) -> str:
    value = value.upper()
    if not _CURRENCY.match(value):
        raise ValueError("must be an ISO 4217 currency code such as EUR")
    return value


Email = Annotated[str, AfterValidator(check_email)]
VatNumber = Annotated[str, AfterValidator(check_vat_number)]
Iban = Annotated[str, AfterValidator(check_iban)]
Bic = Annotated[str, AfterValidator(check_bic)]
Phone = Annotated[str, AfterValidator(check_phone)]
Currency = Annotated[str, AfterValidator(check_currency)]

# Optional variants: blank text means "no value" (checked before the type, so "" never reaches a validator).
_Blank = BeforeValidator(blank_to_none)
OptText = Annotated[str | None, _Blank]
OptEmail = Annotated[Email | None, _Blank]
OptVatNumber = Annotated[VatNumber | None, _Blank]
OptIban = Annotated[Iban | None, _Blank]
OptBic = Annotated[Bic | None, _Blank]
OptPhone = Annotated[Phone | None, _Blank]
