"""Money and rates: ``Decimal`` only, built from strings, quantized with ROUND_HALF_UP at named points.

Rounding rule (documented for accountants): each *line* total and each *tax amount per VAT rate* is rounded to the
currency's minor unit with ROUND_HALF_UP; document totals are sums of rounded figures, so the document always adds
up to the cent. Inputs accept JSON numbers or numeric strings; they never pass through ``float``.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import BeforeValidator, Field, PlainSerializer, SerializationInfo, WithJsonSchema

from chalicelib.core.errors import field_error

ZERO = Decimal("0")
HUNDRED = Decimal("100")
ROUNDING = ROUND_HALF_UP
# ISO 4217 minor units that differ from 2 (the zone's CFA francs have none).
_MINOR_UNITS = {"XOF": 0, "XAF": 0, "JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "TND": 3}


def D(value: Any) -> Decimal:
    """An exact ``Decimal`` from a string, int or Decimal; a float is refused (it is already inexact)."""
    if isinstance(value, float):
        raise TypeError("floats are not accepted for money; send a string or a JSON number")
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError) as exc:
        raise ValueError(f"{value!r} is not a number") from exc
    if not result.is_finite():
        raise ValueError("must be a finite number")
    return result


def exponent(currency: str = "EUR") -> Decimal:
    return Decimal(1).scaleb(-_MINOR_UNITS.get(currency.upper(), 2))


def quantize(amount: Decimal, currency: str = "EUR") -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit (EUR: cents; XOF: units)."""
    return amount.quantize(exponent(currency), rounding=ROUNDING)


def check_minor_units(amount: Decimal, currency: str, field: str) -> None:
    """Refuse an amount finer than the currency's unit (0.5 XOF, 0.001 EUR): rounding it silently would change it."""
    if amount != quantize(amount, currency):
        raise field_error(field, f"has more decimals than {currency.upper()} allows")


def percent_of(amount: Decimal, rate_percent: Decimal, currency: str = "EUR") -> Decimal:
    """``rate_percent`` % of ``amount``, rounded: the tax of a base at a rate given in percent (20 for 20 %)."""
    return quantize(amount * rate_percent / HUNDRED, currency)


def rate_text(rate: Decimal) -> str:
    """A rate as French accounting texts write it: ``20 %``, ``5,5 %``, ``2,1 %``, ``19,25 %``, ``0 %``.

    The one way a rate is written in labels, descriptions and messages: a normalised ``Decimal`` prints as
    ``2E+1`` through ``str``, so the digits are formatted in fixed point and trailing zeros dropped.
    """
    text = format(rate, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text.replace('.', ',')} %"


def _parse_number(value: Any) -> Any:
    # REST bodies arrive as Decimal (parsed exactly); strings are parsed exactly; a float (MCP arguments, parsed by
    # another JSON reader) is taken as the shortest decimal that prints as it, i.e. what the client wrote.
    if isinstance(value, float):
        return D(repr(value))
    if isinstance(value, str | int | Decimal) and not isinstance(value, bool):
        return D(value)
    return value


_schema = WithJsonSchema({"type": "number", "description": "Decimal amount; a JSON number or a numeric string."})

# A monetary amount (any sign unless the field constrains it), at most 2 decimals on input.
Amount = Annotated[Decimal, BeforeValidator(_parse_number), Field(max_digits=15, decimal_places=2), _schema]
# A non-negative amount.
PositiveAmount = Annotated[Decimal, BeforeValidator(_parse_number), Field(ge=0, max_digits=15, decimal_places=2),
                           _schema]
# A quantity (up to 4 decimals: hours, litres, kilograms).
Quantity = Annotated[Decimal, BeforeValidator(_parse_number), Field(max_digits=15, decimal_places=4), _schema]
# A VAT rate in percent (20 for 20 %), up to 3 decimals (5.5, 2.1, 19.25).
RatePercent = Annotated[Decimal, BeforeValidator(_parse_number), Field(ge=0, le=100, decimal_places=3), _schema]


def _written(amount: Decimal, info: SerializationInfo) -> Decimal:
    """An amount as answers write it: with its currency's minor units (``1350.00`` EUR, ``1350`` XOF).

    The answer's currency travels in the serialization context (``chalicelib.core.serialization`` puts the
    currency of the outermost model that has one there); without a context the amount is left as it is.
    """
    currency = (info.context or {}).get("currency")
    return quantize(amount, currency) if isinstance(currency, str) else amount


MONEY_SCHEMA = {"type": "number", "format": "decimal",
                "description": "An exact decimal amount, always written with its currency's minor units (2 for EUR, "
                               "0 for XOF): map it to a decimal type, never to a binary float."}
# An amount in an answer (output models): always written with the minor units of the answer's currency.
Money = Annotated[Decimal, PlainSerializer(_written, return_type=Decimal),
                  WithJsonSchema(MONEY_SCHEMA, mode="serialization")]
