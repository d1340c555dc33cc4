"""Tools of the ``company`` toolset: read and change the company profile (the seller on every document, the SIREN
the FEC is named after, the books' currency and fiscal year); thin adapters over ``chalicelib.company.service`` as
the ``/api/v1/company`` routes are."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from chalicelib.bookkeeping import company as bookkeeping
from chalicelib.company import service
from chalicelib.company.models import CompanyOut, CompanyUpdate
from chalicelib.core.money import PositiveAmount
from chalicelib.mcp.models import IdempotencyKey, like
from chalicelib.mcp.registry import Caller, tool

TOOLSET = "company"

Mention = str | None


@tool("get_company_profile", toolset=TOOLSET, title="Company profile", action="read", resource=None)
def get_company_profile(caller: Caller) -> CompanyOut:
    """The company profile: legal name, identifiers (SIREN, SIRET, VAT number, national id), address, bank details
    (IBAN, BIC), contact, books' currency, fiscal year start (MM-DD), accounting country and the legal mentions
    printed on invoices (late-payment penalties, recovery indemnity, early-payment discount, VAT exemption). An
    organization that never set it gets a default one (`version` 0)."""
    return service.read_company(caller.deps, caller.org_id)


@tool("update_company_profile", toolset=TOOLSET, title="Change the company profile", action="write", resource=None,
      idempotent=True)
def update_company_profile(caller: Caller, *,
                           legal_name: Annotated[str | None, like(CompanyUpdate, "legal_name",
                                                                  "Registered name.")] = None,
                           trade_name: Annotated[str | None, like(CompanyUpdate, "trade_name",
                                                                  "Free text; \"\" clears it.")] = None,
                           legal_form: Annotated[str | None, like(CompanyUpdate, "legal_form",
                                                                  "SAS, SARL, SRL, SA, EI...")] = None,
                           siren: Annotated[str | None, Field(max_length=20, description="French SIREN (9 digits); "
                                                                                         "needed for the FEC.")]
                           = None,
                           siret: Annotated[str | None, Field(max_length=20, description="French SIRET of the head "
                                                                                         "office (14 digits).")]
                           = None,
                           national_id: Annotated[str | None, like(CompanyUpdate, "national_id",
                                                                   "Company number outside France (Belgian "
                                                                   "enterprise number, RCCM, NIU).")] = None,
                           vat_number: Annotated[str | None, like(CompanyUpdate, "vat_number",
                                                                  "VAT number with its country prefix.")]
                           = None,
                           address_line1: Annotated[str | None, like(CompanyUpdate, "address_line1",
                                                                     "Free text; \"\" clears it.")] = None,
                           address_line2: Annotated[str | None, like(CompanyUpdate, "address_line2",
                                                                     "Free text; \"\" clears it.")] = None,
                           postal_code: Annotated[str | None, like(CompanyUpdate, "postal_code", "Postal code.")]
                           = None,
                           city: Annotated[str | None, like(CompanyUpdate, "city", "City.")] = None,
                           country: Annotated[str | None, Field(min_length=2, max_length=2,
                                                                description="ISO 3166-1 alpha-2 code (FR, BE, "
                                                                            "SN...).")] = None,
                           currency: Annotated[str | None, Field(min_length=3, max_length=3,
                                                                 description="ISO 4217 code of the books.")] = None,
                           iban: Annotated[str | None, Field(max_length=50, description="IBAN shown on invoices.")]
                           = None,
                           bic: Annotated[str | None, Field(max_length=20, description="BIC of that account.")]
                           = None,
                           email: Annotated[str | None, Field(max_length=254, description="Contact e-mail.")] = None,
                           phone: Annotated[str | None, Field(max_length=40, description="Phone number.")] = None,
                           website: Annotated[str | None, like(CompanyUpdate, "website",
                                                               "Free text; \"\" clears it.")] = None,
                           fiscal_year_start: Annotated[str | None, Field(pattern=r"^[0-9]{2}-[0-9]{2}$",
                                                                          description="First day of the fiscal "
                                                                                      "year, MM-DD (07-01).")]
                           = None,
                           accounting_country: Annotated[Literal["FR", "BE", "OHADA"] | None,
                                                         Field(description="Chart of accounts and legal exports.")]
                           = None,
                           late_payment_penalty: Annotated[Mention, like(CompanyUpdate, "late_payment_penalty",
                                                                                "Late-payment penalty wording on "
                                                                                "invoices.")]
                           = None,
                           recovery_indemnity: Annotated[PositiveAmount | None,
                                                         like(CompanyUpdate, "recovery_indemnity",
                                                              "Fixed recovery indemnity in euros (at least 40).")]
                           = None,
                           early_payment_discount: Annotated[Mention, like(CompanyUpdate, "early_payment_discount",
                                                                                  "Early-payment discount terms on "
                                                                                  "invoices.")]
                           = None,
                           vat_exempt: Annotated[bool | None, Field(description="The seller is not liable for VAT "
                                                                                "(franchise, art. 293 B CGI).")]
                           = None,
                           vat_exemption_text: Annotated[Mention, like(CompanyUpdate, "vat_exemption_text",
                                                                              "VAT exemption wording when vat_exempt.")]
                           = None,
                           idempotency_key: IdempotencyKey = None) -> CompanyOut:
    """Change some fields of the company profile; only the fields you pass change and "" clears an optional one.
    Identifiers are checked (SIREN/SIRET Luhn, EU VAT number matching the country and SIREN, IBAN, BIC). Once the
    books hold entries, `currency`, `fiscal_year_start` and `accounting_country` can no longer change
    (`books_in_use`). The legal mentions (`late_payment_penalty`, `recovery_indemnity`, `early_payment_discount`,
    `vat_exempt`, `vat_exemption_text`) are printed on every invoice PDF and carried as Factur-X notes. Returns the
    profile as it now is.
    """
    given = {"legal_name": legal_name, "trade_name": trade_name, "legal_form": legal_form, "siren": siren,
             "siret": siret, "national_id": national_id, "vat_number": vat_number, "address_line1": address_line1,
             "address_line2": address_line2, "postal_code": postal_code, "city": city, "country": country,
             "currency": currency, "iban": iban, "bic": bic, "email": email, "phone": phone, "website": website,
             "fiscal_year_start": fiscal_year_start, "accounting_country": accounting_country,
             "late_payment_penalty": late_payment_penalty, "recovery_indemnity": recovery_indemnity,
             "early_payment_discount": early_payment_discount, "vat_exempt": vat_exempt,
             "vat_exemption_text": vat_exemption_text}
    return bookkeeping.patch_company(caller.deps, caller.org_id,
                                     {name: value for name, value in given.items() if value is not None})
