"""A realistic demo year for a local organization, made through the real services (never by writing store items).

``load_demo`` sets the company profile (when it is still empty) and the books of the chosen framework (FR, BE or
OHADA), then carries out the plan of ``plan.plan_year``: about forty invoices over the twelve months before today
(``deps.clock``), at every VAT rate of the country, some drafts, quotes converted to invoices, credit notes, full,
instalment and partial payments, expenses with receipt images, products and projects; finally the overdue job
marks what is late.

It is idempotent: its first product carries the SKU ``catalogue.MARKER_SKU`` and SKUs are unique in an
organization (the store enforces it). A run claims that SKU before creating anything else of the demo year; a
second run finds it taken and stops, creating nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chalicelib.auth.calendar import org_today
from chalicelib.billing.products.models import ProductCreate
from chalicelib.billing.products.service import create_product
from chalicelib.bookkeeping.company import replace_company
from chalicelib.bookkeeping.init import init_accounting
from chalicelib.cli.common import progress
from chalicelib.cli.demo.catalogue import COUNTRIES, Country
from chalicelib.cli.demo.load import Loader
from chalicelib.cli.demo.plan import plan_year
from chalicelib.company.models import CompanyUpdate
from chalicelib.company.service import get_company
from chalicelib.core.errors import Conflict
from chalicelib.store.deps import Deps


@dataclass
class DemoResult:
    created: bool
    company: str
    country: str
    counts: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if not self.created:
            return f"demo data already loaded in {self.company} ({self.country} books): nothing added"
        made = ", ".join(f"{name}: {count}" for name, count in self.counts.items())
        return f"demo year loaded in {self.company} ({self.country} books): {made}"


def _profile(deps: Deps, org_id: str, country: Country) -> str:
    """The demo company's profile, unless the organization already describes itself (its own data wins)."""
    current = get_company(deps, org_id)
    if current.siren or current.vat_number or current.national_id:
        return current.legal_name
    replace_company(deps, org_id, CompanyUpdate.model_validate({**country.company, "currency": country.currency}))
    return str(country.company["legal_name"])


def load_demo(deps: Deps, org_id: str, country_code: str = "FR") -> DemoResult:
    country = COUNTRIES[country_code]
    company = _profile(deps, org_id, country)
    init_accounting(deps, org_id, country.code)
    try:
        marker = create_product(deps, org_id, ProductCreate.model_validate(country.products[0]))
    except Conflict as exc:
        if exc.code != "sku_exists":
            raise
        return DemoResult(created=False, company=company, country=country.code)
    steps = plan_year(country, org_today(deps, org_id))
    loader = Loader(deps, org_id, country, marker)
    with progress("demo year", total=len(steps) + 2) as advance:
        loader.set_up()
        advance(1)
        for step in steps:
            loader.carry_out(step)
            advance(1)
        loader.finish()
        advance(1)
    return DemoResult(created=True, company=company, country=country.code, counts=loader.counts())
