"""The wine attributes a product may carry: what makes a billing product a cuvée of the winery catalogue.

They live on the product record itself (one product, not two): the catalogue at ``/catalogue/api/catalogue/`` and
``/api/v1/products`` read and write the same item. A product without them is an ordinary product or service.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from chalicelib.core.models import Model, RequestModel

WineColor = Literal["rouge", "blanc", "rose", "petillant"]
WINE_COLORS: tuple[str, ...] = ("rouge", "blanc", "rose", "petillant")


class WineFields(RequestModel):
    """The writable wine attributes of a product."""

    cuvee: str | None = Field(default=None, max_length=200, description="Name of the cuvée.")
    color: WineColor = Field(description="Colour of the wine: rouge, blanc, rose or petillant.")
    appellation: str | None = Field(default=None, max_length=200, description="Appellation (AOC/AOP, IGP, VSIG).")
    inao_code: str | None = Field(default=None, max_length=20, description="INAO code of the appellation.")
    millesime: int | None = Field(default=None, ge=1900, le=2100, description="Vintage year.")
    format: str = Field(default="75cl", min_length=1, max_length=20,
                        description="Bottle format: 37.5cl, 75cl, 150cl (magnum)...; `vrac` for bulk, in hl.")


class Wine(Model):
    """The stored wine attributes, read back without input rules."""

    cuvee: str | None = None
    color: str
    appellation: str | None = None
    inao_code: str | None = None
    millesime: int | None = None
    format: str = "75cl"
