"""Company profile models: the stored profile, its wire shape, the bodies of ``PUT`` and ``PATCH /api/v1/company``,
and the rules of its identifiers.

The profile also holds the legal mentions every invoice carries (French Code de commerce L441-9 and L441-10, CGI
art. 293 B): late-payment penalties, the fixed recovery indemnity, early-payment discount terms and, for a seller
under the VAT franchise, the exemption wording. Each has a default, so a profile stored before they existed loads
with the usual French wording.

Identifiers are checked with python-stdnum (SIREN, SIRET, EU VAT numbers, the Belgian enterprise number) and
schwifty (IBAN, BIC) and stored compact. Rules that depend on another field (the SIRET starts with the SIREN, the
VAT number follows the country, a French VAT number belongs to the SIREN) run once every field is valid and report
the field they are about. ``fiscal_year_bounds`` turns the fiscal-year start into the year that contains a day.
"""

from __future__ import annotations

import copy
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, create_model, model_validator

from chalicelib.core.errors import FieldValueError
from chalicelib.core.models import Model, RequestModel
from chalicelib.core.money import PositiveAmount
from chalicelib.core.validators import OptEmail, OptPhone, OptText, blank_to_none, check_currency

AccountingCountry = Literal["FR", "BE", "OHADA"]
# The 17 member states of the OHADA treaty: their books follow SYSCOHADA.
OHADA_STATES = frozenset({"BJ", "BF", "CM", "CF", "KM", "CG", "CD", "CI", "GA", "GN", "GW", "GQ", "ML", "NE", "SN",
                          "TD", "TG"})
# ISO 4217 codes that are not money a company keeps books in (metals, bond units, testing, "no currency").
_NOT_MONEY = frozenset({"XAD", "XAG", "XAU", "XBA", "XBB", "XBC", "XBD", "XDR", "XPD", "XPT", "XSU", "XTS", "XUA",
                        "XXX"})
_ALPHA2 = re.compile(r"^[A-Z]{2}$")
_MM_DD = re.compile(r"^([0-9]{2})-([0-9]{2})$")
READ_ONLY_FIELDS = frozenset({"updated_at", "version"})
# Legal mentions: the usual wording of French B2B invoices (Code de commerce L441-9, L441-10 and D441-5; CGI 293 B).
DEFAULT_LATE_PAYMENT_PENALTY = ("En cas de retard de paiement, pénalités exigibles au taux de refinancement de la "
                                "BCE majoré de 10 points (art. L441-10 du Code de commerce).")
DEFAULT_RECOVERY_INDEMNITY = Decimal("40.00")
DEFAULT_EARLY_PAYMENT_DISCOUNT = "Pas d'escompte pour paiement anticipé."
DEFAULT_VAT_EXEMPTION_TEXT = "TVA non applicable, art. 293 B du CGI"
# Article D441-5: the indemnity is 40 euros; the seller may claim more, never less.
MIN_RECOVERY_INDEMNITY = Decimal("40.00")


def accounting_country_of(country: str) -> AccountingCountry:
    """The accounting framework a company of ``country`` uses by default."""
    if country == "BE":
        return "BE"
    return "OHADA" if country in OHADA_STATES else "FR"


# python-stdnum is imported by the checks themselves: most route groups load these models and never check an
# identifier, and stdnum loads a module per country.
@cache
def eu_vat_countries() -> frozenset[str]:
    """Countries whose VAT numbers stdnum checks (Northern Ireland's XI prefix is not a country)."""
    from stdnum.eu import vat as eu_vat  # lazy: see above

    return frozenset(cc.upper() for cc in eu_vat.MEMBER_STATES) - {"XI"}


def check_siren(value: str) -> str:
    from stdnum.exceptions import ValidationError as StdnumError  # lazy: see eu_vat_countries
    from stdnum.fr import siren as fr_siren

    try:
        return str(fr_siren.validate(value))
    except StdnumError as exc:
        raise ValueError(f"not a valid SIREN: 9 digits with a Luhn check digit ({exc})") from exc


def check_siret(value: str) -> str:
    from stdnum.exceptions import ValidationError as StdnumError  # lazy: see eu_vat_countries
    from stdnum.fr import siret as fr_siret

    try:
        return str(fr_siret.validate(value))
    except StdnumError as exc:
        raise ValueError(f"not a valid SIRET: 14 digits with a Luhn check digit ({exc})") from exc


def check_iban(value: str) -> str:
    from schwifty import IBAN  # imported on use: schwifty's registry costs ~80 ms at cold start

    try:
        return str(IBAN(value).compact)
    except ValueError as exc:
        raise ValueError(f"not a valid IBAN ({exc})") from exc


def check_bic(value: str) -> str:
    from schwifty import BIC

    try:
        return str(BIC(value).compact)
    except ValueError as exc:
        raise ValueError(f"not a valid BIC ({exc})") from exc


def check_country(value: str) -> str:
    import pycountry

    value = value.upper()
    if not _ALPHA2.match(value) or pycountry.countries.get(alpha_2=value) is None:
        raise ValueError("must be an ISO 3166-1 alpha-2 country code such as FR, BE or SN")
    return value


def check_iso_currency(value: str) -> str:
    import pycountry

    value = check_currency(value)
    if value in _NOT_MONEY or pycountry.currencies.get(alpha_3=value) is None:
        raise ValueError(f"{value} is not an ISO 4217 currency code")
    return value


def check_fiscal_year_start(value: str) -> str:
    """``MM-DD``, a day that every year has (so not ``02-29``)."""
    match = _MM_DD.match(value)
    if match:
        try:
            date(2001, int(match[1]), int(match[2]))
            return value
        except ValueError:
            pass
    raise ValueError("must be a day of a non-leap year written MM-DD, such as 01-01 or 07-01 (02-29 is refused)")


def check_website(value: str) -> str:
    try:
        parts = urlsplit(value if "://" in value else f"https://{value}")
        host = parts.hostname or ""
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or "." not in host or re.search(r"\s", value):
        raise ValueError("must be a web address such as https://example.com")
    return value


def fiscal_year_bounds(fiscal_year_start: str, day: date) -> tuple[date, date]:
    """The first and last day of the fiscal year that starts on ``fiscal_year_start`` (``MM-DD``) and holds ``day``."""
    month, dom = (int(part) for part in check_fiscal_year_start(fiscal_year_start).split("-"))
    first = date(day.year, month, dom)
    if day < first:
        first = date(day.year - 1, month, dom)
    return first, date(first.year + 1, month, dom) - timedelta(days=1)


def fr_vat_of(siren: str) -> str:
    """The French VAT number of a SIREN: ``FR``, the key ``(12 + 3 × SIREN) mod 97``, the SIREN."""
    return f"FR{(int(siren) * 100 + 12) % 97:02d}{siren}"


def check_vat_for(country: str, value: str, siren: str | None) -> str:
    """An EU company's VAT number, checked and compacted; elsewhere (OHADA states...) free text."""
    if country not in eu_vat_countries():
        return value
    from stdnum.eu import vat as eu_vat  # lazy: see eu_vat_countries
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        number = str(eu_vat.validate(value))
    except StdnumError as exc:
        raise FieldValueError("vat_number", f"not a valid EU VAT number with its country prefix, such as "
                                            f"FR44732829320 ({exc})") from exc
    if country == "FR" and siren and number.startswith("FR") and number[4:] != siren:
        raise FieldValueError("vat_number", f"is not the VAT number of SIREN {siren} (that is {fr_vat_of(siren)})")
    return number


def check_national_id_for(country: str, value: str) -> str:
    """A Belgian company's enterprise number, checked and compacted; elsewhere free text (RCCM, NIU...)."""
    if country != "BE":
        return value
    from stdnum.be import vat as be_enterprise  # lazy: see eu_vat_countries
    from stdnum.exceptions import ValidationError as StdnumError

    try:
        return str(be_enterprise.validate(value))
    except StdnumError as exc:
        raise FieldValueError("national_id", f"not a valid Belgian enterprise number: 10 digits with a mod-97 "
                                             f"check, such as 0403.170.701 ({exc})") from exc


# Optional variants: blank text means "no value" (checked before the type, so "" never reaches a validator).
_Blank = BeforeValidator(blank_to_none)
OptSiren = Annotated[Annotated[str, AfterValidator(check_siren)] | None, _Blank]
OptSiret = Annotated[Annotated[str, AfterValidator(check_siret)] | None, _Blank]
OptIban = Annotated[Annotated[str, AfterValidator(check_iban)] | None, _Blank]
OptBic = Annotated[Annotated[str, AfterValidator(check_bic)] | None, _Blank]
OptWebsite = Annotated[Annotated[str, AfterValidator(check_website)] | None, _Blank]
Country = Annotated[str, AfterValidator(check_country)]
IsoCurrency = Annotated[str, AfterValidator(check_iso_currency)]
FiscalYearStart = Annotated[str, AfterValidator(check_fiscal_year_start)]


class CompanyUpdate(RequestModel):
    """Body of ``PUT /api/v1/company``: every writable field is replaced; fields left out take their defaults."""

    legal_name: str = Field(min_length=1, max_length=200, description="Registered name of the company.")
    trade_name: OptText = Field(default=None, max_length=200, description="Name the company trades under.")
    legal_form: OptText = Field(default=None, max_length=100, description="SAS, SARL, SRL, SA, EI...")
    siren: OptSiren = Field(default=None, description="French SIREN (9 digits, Luhn); stored without spaces.")
    siret: OptSiret = Field(default=None, description="French SIRET of the head office (14 digits, Luhn); starts "
                                                      "with the SIREN when both are given.")
    national_id: OptText = Field(default=None, max_length=100,
                                 description="Company number outside France: the enterprise number in Belgium "
                                             "(checked, stored compact), RCCM or NIU in the OHADA zone (free text).")
    vat_number: OptText = Field(default=None, max_length=40,
                                description="VAT number. In an EU country: checked, with its country prefix, stored "
                                            "compact, and in France it must be the SIREN's own; elsewhere free text.")
    address_line1: OptText = Field(default=None, max_length=200)
    address_line2: OptText = Field(default=None, max_length=200)
    postal_code: OptText = Field(default=None, max_length=20)
    city: OptText = Field(default=None, max_length=100)
    country: Country = Field(default="FR", description="ISO 3166-1 alpha-2 code of the registered office.")
    currency: IsoCurrency | None = Field(default=None,
                                         description="ISO 4217 code of the books; left out: the organization's.")
    iban: OptIban = Field(default=None, description="IBAN of the account shown on invoices; stored compact.")
    bic: OptBic = Field(default=None, description="BIC (SWIFT code) of that account.")
    email: OptEmail = Field(default=None, description="Contact e-mail shown on documents.")
    phone: OptPhone = Field(default=None)
    website: OptWebsite = Field(default=None, max_length=200)
    fiscal_year_start: FiscalYearStart = Field(default="01-01",
                                               description="First day of the fiscal year, MM-DD (not 02-29).")
    accounting_country: AccountingCountry | None = Field(
        default=None, description="Chart of accounts and legal exports: FR (PCG), BE (PCMN) or OHADA (SYSCOHADA); "
                                  "left out: from the country (the 17 OHADA states give OHADA, BE gives BE, any "
                                  "other FR).")
    late_payment_penalty: str = Field(
        default=DEFAULT_LATE_PAYMENT_PENALTY, min_length=1, max_length=500,
        description="Late-payment penalty wording printed on invoices (art. L441-10 of the Code de commerce: at "
                    "least 3 times the legal interest rate; usually the ECB refinancing rate plus 10 points).")
    recovery_indemnity: PositiveAmount = Field(
        default=DEFAULT_RECOVERY_INDEMNITY,
        description="Fixed indemnity for recovery costs a professional buyer owes on late payment, in euros (art. "
                    "L441-10 and D441-5: 40.00; more may be stated, never less).")
    early_payment_discount: str = Field(
        default=DEFAULT_EARLY_PAYMENT_DISCOUNT, min_length=1, max_length=500,
        description="Early-payment discount terms printed on invoices (art. L441-9), or that there is none.")
    vat_exempt: bool = Field(
        default=False, description="The seller is not liable for VAT (franchise en base, art. 293 B of the CGI): "
                                   "invoices without VAT carry `vat_exemption_text`.")
    vat_exemption_text: str = Field(
        default=DEFAULT_VAT_EXEMPTION_TEXT, min_length=1, max_length=200,
        description="VAT exemption wording printed on the invoices of a seller with `vat_exempt`.")

    ignored_fields = READ_ONLY_FIELDS

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.siren and self.siret and not self.siret.startswith(self.siren):
            raise FieldValueError("siret", f"must start with the SIREN {self.siren}")
        if self.vat_number is not None:
            self.vat_number = check_vat_for(self.country, self.vat_number, self.siren)
        if self.national_id is not None:
            self.national_id = check_national_id_for(self.country, self.national_id)
        if self.accounting_country is None:
            self.accounting_country = accounting_country_of(self.country)
        if self.recovery_indemnity < MIN_RECOVERY_INDEMNITY:
            raise FieldValueError("recovery_indemnity", f"must be at least {MIN_RECOVERY_INDEMNITY} euros (art. "
                                                        f"D441-5 of the Code de commerce)")
        return self


class CompanyBase(Model):
    """The fields of a profile as stored, without input rules: data already stored is never re-judged."""

    legal_name: str
    trade_name: str | None = None
    legal_form: str | None = None
    siren: str | None = None
    siret: str | None = None
    national_id: str | None = None
    vat_number: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    postal_code: str | None = None
    city: str | None = None
    country: str = "FR"
    currency: str = Field(description="ISO 4217 code of the books; always the organization's currency.")
    iban: str | None = None
    bic: str | None = None
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    fiscal_year_start: str = Field(default="01-01", description="First day of the fiscal year, MM-DD.")
    accounting_country: AccountingCountry = "FR"
    late_payment_penalty: str = Field(default=DEFAULT_LATE_PAYMENT_PENALTY,
                                      description="Late-payment penalty wording printed on invoices.")
    recovery_indemnity: Decimal = Field(default=DEFAULT_RECOVERY_INDEMNITY,
                                        description="Fixed indemnity for recovery costs, in euros.")
    early_payment_discount: str = Field(default=DEFAULT_EARLY_PAYMENT_DISCOUNT,
                                        description="Early-payment discount terms printed on invoices.")
    vat_exempt: bool = Field(default=False, description="The seller is not liable for VAT (art. 293 B of the CGI).")
    vat_exemption_text: str = Field(default=DEFAULT_VAT_EXEMPTION_TEXT,
                                    description="VAT exemption wording of a seller with `vat_exempt`.")
    updated_at: datetime | None = Field(default=None, description="Last change; null while never set.")
    version: int = Field(default=0, description="Number of changes; 0 while the profile was never set.")


class CompanyOut(CompanyBase):
    """The profile on the wire."""


class CompanyProfile(CompanyBase):
    """The stored profile of an organization (``version`` 0: the default built from the organization)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str


WRITABLE_FIELDS = tuple(CompanyUpdate.model_fields)


def _patch_model() -> type[RequestModel]:
    """``CompanyUpdate``'s fields, each with its own type and rules but none required and none defaulted, so a
    body names only what changes. The profile the change makes is then checked whole, as ``CompanyUpdate``."""
    fields: dict[str, Any] = {}
    for name, info in CompanyUpdate.model_fields.items():
        optional = copy.copy(info)
        optional.default = None
        fields[name] = (info.annotation, optional)
    model: type[RequestModel] = create_model("CompanyPatch", __base__=RequestModel, __module__=__name__,
                                             __doc__="Body of ``PATCH /api/v1/company``: only the fields sent "
                                                     "change; \"\" or ``null`` clears an optional one.",
                                             **fields)
    model.ignored_fields = READ_ONLY_FIELDS
    return model


CompanyPatch = _patch_model()
FROZEN_ONCE_BOOKED = ("currency", "fiscal_year_start", "accounting_country")
