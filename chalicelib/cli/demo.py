"""Realistic demo data for a local organization: French and Belgian clients a small firm would have."""

from __future__ import annotations

from chalicelib.billing.clients.models import ClientCreate
from chalicelib.billing.clients.service import create_client
from chalicelib.core.container import Deps

CLIENTS = [
    {"company_name": "Boulangerie Dupain SARL", "contact_name": "Marie Dupain", "email": "compta@dupain.fr",
     "address": "12 rue des Halles", "postal_code": "69002", "city": "Lyon", "country": "FR",
     "vat_number": "FR40303265045", "phone": "+33 4 78 12 34 56", "payment_terms": 30},
    {"company_name": "Atelier Mécanique Lefèvre", "contact_name": "Jérôme Lefèvre", "email": "j.lefevre@aml.fr",
     "address": "5 avenue de la Gare", "postal_code": "44000", "city": "Nantes", "country": "FR",
     "payment_terms": 45},
    {"company_name": "Brasserie De Smet BV", "contact_name": "Pieter De Smet", "email": "factuur@desmet.be",
     "address": "Korenmarkt 3", "postal_code": "9000", "city": "Gent", "country": "BE",
     "vat_number": "BE0403019261", "payment_terms": 30, "iban": "BE71096123456769"},
    {"company_name": "Château Les Vignes d'Or", "contact_name": "Hélène Martin", "email": "hm@vignesdor.fr",
     "postal_code": "33250", "city": "Pauillac", "country": "FR", "payment_terms": 60},
    {"company_name": "Cabinet Kouassi & Associés", "contact_name": "Aya Kouassi", "email": "contact@kouassi.ci",
     "city": "Abidjan", "country": "CI", "preferred_currency": "XOF", "payment_terms": 30},
    {"company_name": "Studio Graphique Nord", "contact_name": "Lucas Bernard", "email": "lucas@sgnord.fr",
     "postal_code": "59000", "city": "Lille", "country": "FR"},
]


def load_demo(deps: Deps, org_id: str) -> int:
    """Create the demo records; returns how many were created."""
    for fields in CLIENTS:
        create_client(deps, org_id, ClientCreate.model_validate(fields))
    return len(CLIENTS)
