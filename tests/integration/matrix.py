"""How to exercise every route of the table: a valid request per operation, with the entities it needs.

The scope and isolation matrices iterate over the route table and look each operation up in ``REQUESTS``: the
entries below plus those of every ``tests/integration/samples_<context>.py`` module (its own ``REQUESTS``). A
route missing from them fails ``test_every_route_has_a_matrix_entry``, so new routes cannot escape the matrices.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from chalicelib.api.local import LocalClient
from tests.conftest import unique


@dataclass(frozen=True)
class Sample:
    """A concrete request: its path (ids filled in) and JSON body."""

    path: str
    body: Any = None


def _client(owner: LocalClient) -> str:
    return str(owner.post("/api/v1/clients", json={"company_name": unique("C")}).json()["data"]["id"])


def _key(owner: LocalClient) -> str:
    return str(owner.post("/api/v1/api-keys", json={"name": unique("k")}).json()["data"]["id"])


# operation id -> builder(owner client) -> Sample. The owner is a client of the organization that owns the data.
REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listClients": lambda o: Sample("/api/v1/clients"),
    "createClient": lambda o: Sample("/api/v1/clients", {"company_name": unique("C")}),
    "getClient": lambda o: Sample(f"/api/v1/clients/{_client(o)}"),
    "replaceClient": lambda o: Sample(f"/api/v1/clients/{_client(o)}", {"company_name": "Replaced"}),
    "updateClient": lambda o: Sample(f"/api/v1/clients/{_client(o)}", {"city": "Liège"}),
    "deleteClient": lambda o: Sample(f"/api/v1/clients/{_client(o)}"),
    "listApiKeys": lambda o: Sample("/api/v1/api-keys"),
    "createApiKey": lambda o: Sample("/api/v1/api-keys", {"name": unique("k")}),
    "getApiKey": lambda o: Sample(f"/api/v1/api-keys/{_key(o)}"),
    "revokeApiKey": lambda o: Sample(f"/api/v1/api-keys/{_key(o)}"),
    "rotateApiKey": lambda o: Sample(f"/api/v1/api-keys/{_key(o)}/rotate", {}),
}


def _discover() -> None:
    import importlib
    import pkgutil

    import tests.integration as package

    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("samples_"):
            REQUESTS.update(importlib.import_module(f"tests.integration.{info.name}").REQUESTS)


_discover()
