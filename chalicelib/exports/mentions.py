"""The legal mentions of a French B2B invoice, as the PDF prints them and the Factur-X XML carries them as notes.

Code de commerce L441-9 and L441-10 require every invoice between professionals to state the late-payment penalty
rate, the fixed indemnity for recovery costs (40 € by article D441-5) and the early-payment discount terms (or that
there is none); a seller under the VAT franchise (CGI art. 293 B) states that VAT does not apply. The wording comes
from the company profile. In the XML each mention is an ``IncludedNote`` (BT-21/BT-22) with its UNTDID 4451 subject
code, once each, as the French CTC rules BR-FR-05 and BR-FR-06 ask: ``PMD`` penalties, ``PMT`` indemnity, ``AAB``
discount terms and ``TXD`` the VAT mention.

Every client is a company (the client model has no consumers), so the indemnity is always stated.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from chalicelib.billing.invoices.models import Invoice
from chalicelib.company.models import CompanyProfile

PENALTY, INDEMNITY, DISCOUNT, TAX = "PMD", "PMT", "AAB", "TXD"
ZERO = Decimal(0)


@dataclass(frozen=True)
class LegalMentions:
    """The mentions one invoice carries. ``vat_exemption`` is set only when the seller is not liable for VAT and
    the invoice charges none."""

    late_payment_penalty: str
    recovery_indemnity: Decimal
    early_payment_discount: str
    vat_exemption: str | None = None

    @property
    def indemnity_text(self) -> str:
        amount = f"{self.recovery_indemnity.quantize(Decimal('0.01')):,}".replace(",", "\u00a0").replace(".", ",")
        return (f"Indemnité forfaitaire pour frais de recouvrement due en cas de retard de paiement : {amount} € "
                f"(art. L441-10 et D441-5 du Code de commerce).")

    def notes(self) -> list[tuple[str, str]]:
        """``(subject code, text)`` of each mention, the VAT exemption first when there is one."""
        notes = [(TAX, self.vat_exemption)] if self.vat_exemption else []
        return [*notes, (PENALTY, self.late_payment_penalty), (INDEMNITY, self.indemnity_text),
                (DISCOUNT, self.early_payment_discount)]


def mentions_of(company: CompanyProfile, invoice: Invoice) -> LegalMentions:
    """The mentions of ``invoice`` by this seller.

    The exemption wording goes only on an invoice that charges no VAT: VAT stated on an invoice is due whatever the
    seller's status (CGI art. 283-3), so an invoice with VAT keeps it and says nothing contrary.
    """
    exempt = company.vat_exempt and invoice.total_vat == ZERO
    return LegalMentions(late_payment_penalty=company.late_payment_penalty,
                         recovery_indemnity=company.recovery_indemnity,
                         early_payment_discount=company.early_payment_discount,
                         vat_exemption=company.vat_exemption_text if exempt else None)
