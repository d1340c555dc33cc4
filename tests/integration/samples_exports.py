"""Matrix samples of ``/api/v1/exports`` and ``/api/v1/imports``: books with one invoice and a company with a SIREN."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.integration.billing_helpers import new_invoice
from tests.integration.matrix import Sample

COMPANY = {"legal_name": "Atelier Éléonore SARL", "siren": "732829320", "vat_number": "FR44732829320",
           "country": "FR", "address_line1": "12 rue de l'Église", "postal_code": "75011", "city": "Paris"}


def _books(owner: LocalClient) -> str:
    owner.put("/api/v1/company", json=COMPANY)
    owner.post("/api/v1/accounting/init", json={"country": "FR"})
    return str(new_invoice(owner)["id"])


def _then(path: str) -> Callable[[LocalClient], Sample]:
    def build(owner: LocalClient) -> Sample:
        _books(owner)
        return Sample(path)

    return build


def _restore(owner: LocalClient) -> Sample:
    """A backup of a fresh organization of its own (so the target, the caller's, stays restorable)."""
    document = owner.get("/api/v1/exports/backup").json()["data"]
    return Sample("/api/v1/imports/backup", document)


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "exportFEC": _then("/api/v1/exports/fec?start_date=2026-01-01&end_date=2026-03-31"),
    "exportSAFT": _then("/api/v1/exports/saft?start_date=2026-01-01&end_date=2026-03-31"),
    "exportFacturX": lambda o: Sample(f"/api/v1/exports/facturx/{_books(o)}?profile=BASIC"),
    "exportBackup": _then("/api/v1/exports/backup"),
    "importBackup": _restore,
}
