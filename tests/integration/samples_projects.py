"""Matrix samples of ``/api/v1/projects``: a valid request per operation (see ``tests.integration.matrix``)."""

from __future__ import annotations

from collections.abc import Callable

from chalicelib.api.local import LocalClient
from tests.conftest import unique
from tests.integration.matrix import Sample


def _client(owner: LocalClient) -> str:
    return str(owner.post("/api/v1/clients", json={"company_name": unique("C")}).json()["data"]["id"])


def _project(owner: LocalClient) -> str:
    body = {"name": unique("Project"), "client_id": _client(owner)}
    return str(owner.post("/api/v1/projects", json=body).json()["data"]["id"])


REQUESTS: dict[str, Callable[[LocalClient], Sample]] = {
    "listProjects": lambda o: Sample("/api/v1/projects"),
    "createProject": lambda o: Sample("/api/v1/projects", {"name": unique("Project"), "budget_hours": 10,
                                                           "hourly_rate": "80"}),
    "getProject": lambda o: Sample(f"/api/v1/projects/{_project(o)}"),
    "replaceProject": lambda o: Sample(f"/api/v1/projects/{_project(o)}", {"name": "Replaced"}),
    "updateProject": lambda o: Sample(f"/api/v1/projects/{_project(o)}", {"status": "on_hold"}),
    "deleteProject": lambda o: Sample(f"/api/v1/projects/{_project(o)}"),
}
