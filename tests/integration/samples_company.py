"""Matrix samples of ``/api/v1/company``: a valid request per operation (see ``tests.integration.matrix``)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.conftest import unique
from tests.integration.matrix import Sample

REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "getCompany": lambda o: Sample("/api/v1/company"),
    "replaceCompany": lambda o: Sample("/api/v1/company", {"legal_name": unique("Company"), "siren": "732829320"}),
    "updateCompany": lambda o: Sample("/api/v1/company", {"city": unique("City")[:100]}),
}
