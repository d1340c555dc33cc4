"""The OpenAPI contract: the committed ``schemas/openapi.yaml``, its validity, its agreement with the route
table, and the two public pages that serve it (``/openapi.json`` and the offline browser at ``/docs``)."""

from __future__ import annotations

import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import yaml
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from chalicelib.api.local import LocalClient
from chalicelib.api.openapi import build_openapi
from chalicelib.api.registry import all_routes
from schemas import generate

HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
CONTENT_TYPES = {".css": {"text/css"}, ".js": {"application/javascript", "text/javascript"},
                 ".json": {"application/json"}}


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [(path, method, op) for path, item in document["paths"].items()
            for method, op in item.items() if method in HTTP_METHODS]


class _References(HTMLParser):
    """Collects every URL an HTML page makes the browser load: ``src``/``href`` attributes and, in inline
    scripts, the quoted strings that look like paths or URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_script = tag == "script"
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.urls += re.findall(r"""["'](/[^"'\s]*|[a-z]+://[^"'\s]*)["']""", data)


def referenced_urls(html: str) -> list[str]:
    parser = _References()
    parser.feed(html)
    return parser.urls


def test_committed_openapi_yaml_equals_a_fresh_generation() -> None:
    diff = generate.check()
    assert not diff, "schemas/openapi.yaml is stale; run python schemas/generate.py\n" + "".join(diff[:60])
    committed = yaml.safe_load(generate.TARGET.read_text(encoding="utf-8"))
    assert committed == build_openapi()


def test_generation_is_stable_from_one_call_to_the_next() -> None:
    assert generate.render() == generate.render()
    assert build_openapi() == build_openapi()


def test_check_mode_exits_non_zero_on_a_stale_file_and_zero_on_a_fresh_one(tmp_path: Path) -> None:
    stale = tmp_path / "openapi.yaml"
    stale.write_text(generate.render().replace("operationId: listClients", "operationId: listCustomers"))
    assert generate.main(["--check", "--output", str(stale)]) == 1
    assert generate.main(["--check", "--output", str(tmp_path / "missing.yaml")]) == 1

    fresh = tmp_path / "fresh.yaml"
    assert generate.main(["--output", str(fresh)]) == 0
    assert generate.main(["--check", "--output", str(fresh)]) == 0


def test_document_is_valid_openapi_3_1() -> None:
    document = build_openapi()
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_schema_references_point_to_existing_components() -> None:
    document = build_openapi()
    text = yaml.safe_dump(document)
    referenced = set(re.findall(r"#/components/schemas/([A-Za-z0-9_.-]+)", text))
    assert referenced <= set(document["components"]["schemas"])
    assert "$defs" not in text


def test_every_documented_route_appears_with_its_operation_id() -> None:
    document = build_openapi()
    documented = [r for r in all_routes() if r.documented]
    assert documented
    for route in documented:
        operation = document["paths"].get(route.path, {}).get(route.method.lower())
        assert operation is not None, f"{route.method} {route.path} is missing from the document"
        assert operation["operationId"] == route.operation_id
    declared = {(r.path, r.method.lower()) for r in documented}
    assert {(path, method) for path, method, _ in operations(document)} == declared


def test_undocumented_routes_stay_out_of_the_document() -> None:
    ids = {op["operationId"] for _, _, op in operations(build_openapi())}
    hidden = [r.operation_id for r in all_routes() if not r.documented]
    assert hidden
    assert not ids & set(hidden)


def test_operation_ids_are_unique() -> None:
    in_document = Counter(op["operationId"] for _, _, op in operations(build_openapi()))
    in_table = Counter(r.operation_id for r in all_routes())
    assert [name for name, n in in_document.items() if n > 1] == []
    assert [name for name, n in in_table.items() if n > 1] == []


def test_openapi_json_served_by_the_app_equals_build_openapi(anonymous: LocalClient) -> None:
    response = anonymous.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == build_openapi()


def test_docs_page_loads_nothing_from_other_hosts(anonymous: LocalClient) -> None:
    response = anonymous.get("/docs")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/html")
    assert re.findall(r"(?:https?:)?//[\w.-]+", response.text.replace("<!doctype html>", "")) == []
    urls = referenced_urls(response.text)
    assert urls, "the page references no assets"
    assert [u for u in urls if urlparse(u).scheme or urlparse(u).netloc] == []


def test_every_asset_of_the_docs_page_is_served_with_its_content_type(anonymous: LocalClient) -> None:
    urls = referenced_urls(anonymous.get("/docs").text)
    assert any(u.endswith(".js") for u in urls) and any(u.endswith(".css") for u in urls)
    for url in urls:
        asset = anonymous.get(url)
        assert asset.status_code == 200, url
        expected = CONTENT_TYPES[Path(urlparse(url).path).suffix]
        assert asset.headers["Content-Type"].split(";")[0].strip() in expected, url
        assert asset.body, url


def test_unknown_docs_asset_is_404(anonymous: LocalClient) -> None:
    assert anonymous.get("/docs/../app.py").status_code == 404
    assert anonymous.get("/docs/secret.key").status_code == 404


def test_docs_page_disables_the_remote_spec_validator(anonymous: LocalClient) -> None:
    # Swagger UI otherwise sends the spec URL to validator.swagger.io from the reader's browser.
    assert "validatorUrl: null" in anonymous.get("/docs").text
