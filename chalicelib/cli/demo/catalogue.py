"""What the demo company is, per accounting framework: its profile, clients, products, projects and suppliers.

A small interior renovation and lighting design firm, because its trade uses every VAT rate of its country
(design at the standard rate, renovation of homes at the reduced ones).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

# The stable reference of a demo: the SKU of its first product. SKUs are unique in an organization (the store
# enforces it), so claiming this one is how a second run knows the demo is already there.
MARKER_SKU = "DEMO-ETUDE-H"


@dataclass(frozen=True)
class Country:
    code: str  # the accounting framework: FR, BE or OHADA
    currency: str
    timezone: str
    company: dict[str, Any]
    clients: list[dict[str, Any]]
    products: list[dict[str, Any]]  # the first one carries MARKER_SKU
    expenses: list[dict[str, Any]]  # monthly or occasional costs: supplier, category, rate, amount, every n months
    projects: list[dict[str, Any]] = field(default_factory=list)
    scale: int = 1  # XOF has no cents and is worth ~1/656 EUR: prices are multiplied to stay realistic


FR = Country(
    code="FR", currency="EUR", timezone="Europe/Paris",
    company={"legal_name": "Atelier Lumière SARL", "trade_name": "Atelier Lumière", "legal_form": "SARL",
             "siren": "732829320", "siret": "73282932000074", "vat_number": "FR44732829320",
             "address_line1": "18 rue Mercière", "postal_code": "69002", "city": "Lyon", "country": "FR",
             "iban": "FR7630006000011234567890189", "bic": "AGRIFRPP", "email": "contact@atelier-lumiere.fr",
             "phone": "+33 4 78 00 12 34", "website": "https://atelier-lumiere.fr"},
    clients=[
        {"company_name": "Boulangerie Dupain SARL", "contact_name": "Marie Dupain", "email": "compta@dupain.fr",
         "address": "12 rue des Halles", "postal_code": "69002", "city": "Lyon", "country": "FR",
         "vat_number": "FR40303265045", "phone": "+33 4 78 12 34 56", "payment_terms": 30},
        {"company_name": "Atelier Mécanique Lefèvre", "contact_name": "Jérôme Lefèvre", "email": "j.lefevre@aml.fr",
         "address": "5 avenue de la Gare", "postal_code": "44000", "city": "Nantes", "country": "FR",
         "payment_terms": 45},
        {"company_name": "Château Les Vignes d'Or", "contact_name": "Hélène Martin", "email": "hm@vignesdor.fr",
         "postal_code": "33250", "city": "Pauillac", "country": "FR", "payment_terms": 60},
        {"company_name": "Studio Graphique Nord", "contact_name": "Lucas Bernard", "email": "lucas@sgnord.fr",
         "address": "40 rue Esquermoise", "postal_code": "59000", "city": "Lille", "country": "FR"},
        {"company_name": "Hôtel du Parc", "contact_name": "Sophie Garnier", "email": "direction@hoteldupark.fr",
         "address": "2 place Bellecour", "postal_code": "69002", "city": "Lyon", "country": "FR",
         "payment_terms": 30},
        {"company_name": "Jean et Claire Moreau", "email": "moreau.famille@example.fr",
         "address": "7 impasse des Lilas",
         "postal_code": "69300", "city": "Caluire-et-Cuire", "country": "FR", "payment_terms": 15},
    ],
    products=[
        {"product_name": "Étude et conception lumière (heure)", "sku": MARKER_SKU, "unit_price": "85.00",
         "tax_rate": "20", "unit": "heure", "category": "Études"},
        {"product_name": "Pose de luminaires (logement de plus de 2 ans)", "sku": "DEMO-POSE", "unit_price": "65.00",
         "tax_rate": "10", "unit": "heure", "category": "Travaux"},
        {"product_name": "Isolation thermique des combles (m²)", "sku": "DEMO-ISOL", "unit_price": "42.00",
         "tax_rate": "5.5", "unit": "m²", "category": "Rénovation énergétique"},
        {"product_name": "Suspension LED sur mesure", "sku": "DEMO-SUSP", "unit_price": "390.00",
         "purchase_price": "180.00", "tax_rate": "20", "unit": "pièce", "stock_quantity": "40",
         "category": "Fournitures"},
        {"product_name": "Rénovation de pièce (forfait jour)", "sku": "DEMO-RENO", "unit_price": "480.00",
         "tax_rate": "10", "unit": "jour", "category": "Travaux"},
    ],
    expenses=[
        {"supplier": "SCI Mercière", "category": "rent", "tax_rate": "20", "amount": "1440.00", "every": 1,
         "description": "Loyer de l'atelier"},
        {"supplier": "Orange Pro", "category": "telecom", "tax_rate": "20", "amount": "59.99", "every": 1,
         "description": "Forfait mobile et fibre"},
        {"supplier": "SNCF Voyageurs", "category": "travel", "tax_rate": "10", "amount": "132.00", "every": 2,
         "description": "Train Lyon-Bordeaux, chantier Pauillac"},
        {"supplier": "Brasserie Georges", "category": "meals", "tax_rate": "10", "amount": "86.90", "every": 3,
         "description": "Déjeuner client"},
        {"supplier": "Librairie Decitre", "category": "training", "tax_rate": "5.5", "amount": "64.30", "every": 4,
         "description": "Ouvrages techniques éclairage"},
        {"supplier": "Rexel", "category": "hardware", "tax_rate": "20", "amount": "912.00", "every": 2,
         "description": "Matériel électrique", "refacturable": True},
        {"supplier": "MAAF Pro", "category": "insurance", "tax_rate": "0", "amount": "1180.00", "every": 12,
         "description": "Assurance décennale"},
    ],
    projects=[
        {"name": "Éclairage de l'hôtel du Parc", "client": 4, "budget_hours": "120", "hourly_rate": "85.00"},
        {"name": "Chai du Château Les Vignes d'Or", "client": 2, "budget_hours": "80", "hourly_rate": "85.00"},
        {"name": "Rénovation maison Moreau", "client": 5, "budget_hours": "60", "hourly_rate": "65.00"},
    ],
)

BE = Country(
    code="BE", currency="EUR", timezone="Europe/Brussels",
    company={"legal_name": "Studio Licht BV", "trade_name": "Studio Licht", "legal_form": "BV",
             "national_id": "0403019261", "vat_number": "BE0403019261", "address_line1": "Korenmarkt 12",
             "postal_code": "9000", "city": "Gent", "country": "BE", "iban": "BE71096123456769", "bic": "GKCCBEBB",
             "email": "info@studiolicht.be", "phone": "+32 9 123 45 67"},
    clients=[
        {"company_name": "Brasserie De Smet BV", "contact_name": "Pieter De Smet", "email": "factuur@desmet.be",
         "address": "Korenmarkt 3", "postal_code": "9000", "city": "Gent", "country": "BE", "payment_terms": 30},
        {"company_name": "Boulangerie Janssens", "contact_name": "An Janssens", "email": "an@janssens.be",
         "address": "Grote Markt 8", "postal_code": "2000", "city": "Antwerpen", "country": "BE",
         "payment_terms": 30},
        {"company_name": "Hôtel Métropole Bruxelles", "contact_name": "Luc Dubois", "email": "ap@metropole.be",
         "address": "Place de Brouckère 31", "postal_code": "1000", "city": "Bruxelles", "country": "BE",
         "payment_terms": 45},
        {"company_name": "Familie Peeters", "email": "peeters@example.be", "address": "Kerkstraat 14",
         "postal_code": "3000", "city": "Leuven", "country": "BE", "payment_terms": 15},
        {"company_name": "Sociale Huisvesting Gent CVBA", "contact_name": "Els Maes", "email": "aankoop@shg.be",
         "postal_code": "9000", "city": "Gent", "country": "BE", "payment_terms": 60},
    ],
    products=[
        {"product_name": "Lichtstudie (uur)", "sku": MARKER_SKU, "unit_price": "90.00", "tax_rate": "21",
         "unit": "uur", "category": "Studie"},
        {"product_name": "Renovatie woning ouder dan 10 jaar (dag)", "sku": "DEMO-RENO", "unit_price": "520.00",
         "tax_rate": "6", "unit": "dag", "category": "Werken"},
        {"product_name": "Verlichting sociale woning (forfait)", "sku": "DEMO-SOC", "unit_price": "850.00",
         "tax_rate": "12", "unit": "forfait", "category": "Werken"},
        {"product_name": "LED-hanglamp op maat", "sku": "DEMO-SUSP", "unit_price": "410.00", "tax_rate": "21",
         "unit": "stuk", "stock_quantity": "30", "category": "Leveringen"},
    ],
    expenses=[
        {"supplier": "Vastgoed Korenmarkt", "category": "rent", "tax_rate": "21", "amount": "1512.50", "every": 1,
         "description": "Huur atelier"},
        {"supplier": "Proximus", "category": "telecom", "tax_rate": "21", "amount": "72.60", "every": 1,
         "description": "Internet en gsm"},
        {"supplier": "NMBS", "category": "travel", "tax_rate": "6", "amount": "46.40", "every": 2,
         "description": "Trein Gent-Brussel"},
        {"supplier": "Restaurant Belga Queen", "category": "meals", "tax_rate": "12", "amount": "98.00", "every": 3,
         "description": "Lunch met klant"},
        {"supplier": "Cebeo", "category": "hardware", "tax_rate": "21", "amount": "968.00", "every": 2,
         "description": "Elektrisch materiaal", "refacturable": True},
    ],
    projects=[
        {"name": "Verlichting Hôtel Métropole", "client": 2, "budget_hours": "100", "hourly_rate": "90.00"},
        {"name": "Renovatie woning Peeters", "client": 3, "budget_hours": "50", "hourly_rate": "75.00"},
    ],
)

OHADA = Country(
    code="OHADA", currency="XOF", timezone="Africa/Abidjan", scale=650,
    company={"legal_name": "Lumière Afrique SARL", "trade_name": "Lumière Afrique", "legal_form": "SARL",
             "national_id": "CI-ABJ-2019-B-12345", "vat_number": "1912345A", "address_line1": "Boulevard Latrille",
             "postal_code": "01 BP 1234", "city": "Abidjan", "country": "CI",
             "iban": "CI93CI0080111301134291200589", "bic": "SGCICIAB", "email": "contact@lumiere-afrique.ci",
             "accounting_country": "OHADA"},
    clients=[
        {"company_name": "Cabinet Kouassi & Associés", "contact_name": "Aya Kouassi", "email": "contact@kouassi.ci",
         "city": "Abidjan", "country": "CI", "payment_terms": 30},
        {"company_name": "Hôtel Ivoire Plateau", "contact_name": "Koffi N'Guessan", "email": "achats@hip.ci",
         "city": "Abidjan", "country": "CI", "payment_terms": 45},
        {"company_name": "Banque Régionale du Golfe", "contact_name": "Fatou Diallo", "email": "ap@brg.sn",
         "city": "Dakar", "country": "SN", "payment_terms": 60},
        {"company_name": "Résidence Les Palmiers", "email": "syndic@palmiers.ci", "city": "Grand-Bassam",
         "country": "CI", "payment_terms": 30},
    ],
    products=[
        {"product_name": "Étude d'éclairage (heure)", "sku": MARKER_SKU, "unit_price": "40", "tax_rate": "18",
         "unit": "heure", "category": "Études"},
        {"product_name": "Installation électrique (jour)", "sku": "DEMO-INST", "unit_price": "300", "tax_rate": "18",
         "unit": "jour", "category": "Travaux"},
        {"product_name": "Luminaire solaire", "sku": "DEMO-SOL", "unit_price": "220", "tax_rate": "18",
         "unit": "pièce", "stock_quantity": "50", "category": "Fournitures"},
    ],
    expenses=[
        {"supplier": "SCI Latrille", "category": "rent", "tax_rate": "18", "amount": "900", "every": 1,
         "description": "Loyer du bureau"},
        {"supplier": "Orange Côte d'Ivoire", "category": "telecom", "tax_rate": "18", "amount": "60", "every": 1,
         "description": "Internet et mobile"},
        {"supplier": "CIE", "category": "utilities", "tax_rate": "18", "amount": "110", "every": 1,
         "description": "Électricité"},
        {"supplier": "Air Côte d'Ivoire", "category": "travel", "tax_rate": "18", "amount": "420", "every": 4,
         "description": "Vol Abidjan-Dakar"},
    ],
    projects=[
        {"name": "Éclairage Hôtel Ivoire Plateau", "client": 1, "budget_hours": "150", "hourly_rate": "40"},
    ],
)

COUNTRIES = {country.code: country for country in (FR, BE, OHADA)}


def scaled(country: Country, amount: str) -> Decimal:
    return Decimal(amount) * country.scale
