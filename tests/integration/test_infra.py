"""The deployment template: in step with the route table, accepted by cfn-lint, every route wired to its own
group's function, least-privilege and data-safe resources, and every API Gateway event it declares answered
for real by the handler it names (REST proxy events replayed in-process against DynamoDB and S3 under moto)."""

from __future__ import annotations

import ast
import base64
import importlib
import json
import re
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import boto3
import pytest
import yaml
from chalice import Chalice
from moto import mock_aws
from pydantic import BaseModel, ValidationError

from chalicelib.api.exports import BackupDocument
from chalicelib.api.methods import METHODS
from chalicelib.api.registry import all_groups, all_routes, api_resources
from chalicelib.api.routing import RouteSpec
from chalicelib.auth.models import ApiKeyCreate
from chalicelib.auth.service import authenticate, create_api_key, create_organization
from chalicelib.billing.clients.models import ClientCreate, ClientPatch
from chalicelib.billing.clients.service import create_client
from chalicelib.bookkeeping.company import replace_company
from chalicelib.bookkeeping.init import init_accounting
from chalicelib.company.models import CompanyUpdate
from chalicelib.core.clock import FixedClock
from chalicelib.core.ids import new_id
from chalicelib.core.settings import Settings
from chalicelib.store import blobs, dynamodb, schema
from chalicelib.store.blobs import S3BlobStore
from chalicelib.store.deps import Deps
from chalicelib.store.dynamodb import DynamoStore
from chalicelib.wiring import using
from infra import generate
from tests.conftest import unique
from tests.integration.conftest import TEST_RATE_LIMIT
from tests.integration.samples_mcp import INITIALIZE

TEMPLATE_PATH = generate.TARGET
TEMPLATE: dict[str, Any] = yaml.safe_load(TEMPLATE_PATH.read_text(encoding="utf-8"))
RESOURCES: dict[str, Any] = TEMPLATE["Resources"]
REGION = "eu-west-3"
STAGE = "dev"
CATCH_ALL = "/{proxy+}"
BODY_METHODS = {"POST", "PUT", "PATCH"}
ROUTES: dict[tuple[str, str], RouteSpec] = {(r.path, r.method): r for r in all_routes() if not r.not_allowed}
GROUP_OF_PATH = {path: group.name for group in all_groups() for path in group.paths()}
# Bodies for the models that need fields; a model whose fields all have defaults is sent ``{}``.
SAMPLE_BODIES: dict[type[BaseModel], Callable[[], dict[str, Any] | None]] = {
    ClientCreate: lambda: {"company_name": unique("Replayed client"), "city": "Bordeaux"},
    ClientPatch: lambda: {"city": "Lyon"},
    # Every field of a backup is optional in its model, yet an empty one is no backup (and the world's
    # organization is not empty): the replay expects the project's refusal.
    BackupDocument: lambda: None,
}


@dataclass(frozen=True)
class ApiEvent:
    """One ``Api`` event of the template: the path and method that invoke a function's handler."""

    function: str
    handler: str
    name: str
    path: str
    method: str

    @property
    def case_id(self) -> str:
        return f"{self.function}.{self.name}"


def template_events(template: dict[str, Any]) -> list[ApiEvent]:
    found = []
    for logical_id, resource in template["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        for name, event in resource["Properties"].get("Events", {}).items():
            if event["Type"] != "Api":
                continue
            method = event["Properties"]["Method"].upper()
            # An ANY event is replayed with each standard method, as API Gateway would pass them on.
            for sent in METHODS if method == "ANY" else (method,):
                found.append(ApiEvent(function=logical_id, handler=resource["Properties"]["Handler"],
                                      name=f"{name}.{sent}", path=event["Properties"]["Path"], method=sent))
    return found


EVENTS = template_events(TEMPLATE)


def functions() -> dict[str, dict[str, Any]]:
    return {k: v["Properties"] for k, v in RESOURCES.items() if v["Type"] == "AWS::Serverless::Function"}


# --- the template and the route table -----------------------------------------------------------------------


def test_committed_template_matches_a_fresh_generation() -> None:
    diff = generate.check(TEMPLATE_PATH)
    assert diff == [], "infra/template.yaml is stale: run python infra/generate.py\n" + "".join(diff[:60])


def test_check_mode_fails_on_a_stale_template_and_passes_on_a_fresh_one(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    stale = tmp_path / "stale.yaml"
    stale.write_text(generate.render().replace("Timeout: 29", "Timeout: 3"), encoding="utf-8")
    fresh = tmp_path / "fresh.yaml"
    assert generate.main(["--output", str(fresh)]) == 0

    assert generate.main(["--check", "--output", str(stale)]) == 1
    assert generate.main(["--check", "--output", str(fresh)]) == 0
    assert "out of date" in capsys.readouterr().err


def test_generation_does_not_depend_on_the_order_of_the_route_groups() -> None:
    shuffled = generate.route_functions(list(reversed(all_groups()))) + generate.schedule_functions()
    assert generate.render(generate.build_template(shuffled)) == generate.render()


def test_template_passes_cfn_lint() -> None:
    from cfnlint.api import lint_file

    # cfn-lint ships its resource schemas; it only downloads with --update-specs, which is never passed here.
    matches = lint_file(TEMPLATE_PATH)
    assert [str(m) for m in matches] == []


def test_every_route_is_an_event_of_its_own_groups_function_exactly_once() -> None:
    expected = {(path, method) for group in all_groups() for path in group.paths() for method in METHODS}
    counted = Counter((event.path, event.method) for event in EVENTS)

    assert set(counted) == expected
    assert [key for key, n in counted.items() if n != 1] == []
    assert {(spec.path, spec.method) for spec in all_routes() if spec.method in METHODS} <= set(counted)
    for event in EVENTS:
        assert event.handler == f"functions.{GROUP_OF_PATH[event.path]}.app", event.case_id


def test_each_function_is_one_route_group_whose_app_holds_only_that_group() -> None:
    groups = {group.name: group for group in all_groups()}
    handlers = sorted(props["Handler"] for props in functions().values() if props["Handler"].endswith(".app"))
    assert handlers == sorted(f"functions.{name}.app" for name in groups)
    for handler in handlers:
        app = load_handler(handler)
        group = groups[handler.split(".")[1]]
        assert isinstance(app, Chalice)
        assert set(app.routes) == set(group.paths()), handler


def test_root_and_unknown_paths_reach_the_meta_function() -> None:
    for path in ("/", CATCH_ALL):
        owners = {(event.method, event.handler) for event in EVENTS if event.path == path}
        assert owners == {(method, "functions.meta.app") for method in METHODS}


def test_route_table_conflicts_are_refused_before_api_gateway_sees_them() -> None:
    from chalicelib.api.routing import RouteGroup

    def group(name: str, path: str) -> RouteGroup:
        made = RouteGroup(name, tag=name)
        made.route("GET", path, operation_id=unique("op"), summary="s", action=None, resource=None)(
            lambda ctx: None)
        return made

    things = group("things", "/things/{thing_id}")
    with pytest.raises(ValueError, match="sibling path variables"):
        generate.route_functions([things, group("parts", "/things/{other_id}/parts")])
    with pytest.raises(ValueError, match="declared by groups"):
        generate.route_functions([things, group("copies", "/things/{thing_id}")])


def test_a_route_table_too_big_for_one_stack_is_refused_at_generation() -> None:
    assert generate.expanded_resource_count(RESOURCES) <= generate.MAX_STACK_RESOURCES
    events = {f"Get{n}": {"Type": "Api", "Properties": {"Path": f"/p{n}", "Method": "get"}} for n in range(500)}
    huge = generate.FunctionSpec(logical_id="HugeFunction", handler="functions.huge.app", description="",
                                 events=events)

    with pytest.raises(ValueError, match="exceed CloudFormation"):
        generate.build_template([huge])


# --- resources, permissions and settings ---------------------------------------------------------------------


def test_table_is_the_adapters_schema_and_survives_the_stack() -> None:
    table = RESOURCES["Table"]
    props = table["Properties"]
    assert (table["DeletionPolicy"], table["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert props["KeySchema"] == schema.KEY_SCHEMA
    assert props["AttributeDefinitions"] == schema.ATTRIBUTE_DEFINITIONS
    assert props["GlobalSecondaryIndexes"] == schema.GLOBAL_SECONDARY_INDEXES
    assert props["BillingMode"] == "PAY_PER_REQUEST"
    assert props["TimeToLiveSpecification"] == {"AttributeName": schema.TTL_ATTRIBUTE, "Enabled": True}
    assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
    assert props["SSESpecification"] == {"SSEEnabled": True}


def test_bucket_is_private_encrypted_tls_only_and_survives_the_stack() -> None:
    bucket = RESOURCES["Bucket"]
    props = bucket["Properties"]
    assert (bucket["DeletionPolicy"], bucket["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert all(props["PublicAccessBlockConfiguration"].values())
    assert len(props["PublicAccessBlockConfiguration"]) == 4
    assert props["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    default = props["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]["ServerSideEncryptionByDefault"]
    assert default["SSEAlgorithm"] in {"AES256", "aws:kms"}
    [deny] = RESOURCES["BucketPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_functions_may_act_only_on_the_table_its_indexes_and_the_bucket() -> None:
    allowed_resources = [{"Fn::GetAtt": ["Table", "Arn"]}, {"Fn::Sub": "${Table.Arn}/index/*"},
                         {"Fn::Sub": "${Bucket.Arn}/*"}, {"Fn::GetAtt": ["Bucket", "Arn"]}]
    for name, props in functions().items():
        for policy in props["Policies"]:
            for statement in policy["Statement"]:
                assert statement["Effect"] == "Allow"
                assert statement["Resource"] in allowed_resources, name
                assert all("*" not in action for action in statement["Action"]), name


def client_calls(module: Any, class_name: str) -> set[str]:
    """The boto3 client methods a store class calls (``self._client.<name>(...)``)."""
    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == class_name]
    return {node.func.attr for node in ast.walk(cls)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Attribute) and node.func.value.attr == "_client"}


def granted(resource_suffix: str) -> set[str]:
    [props] = list(functions().values())[:1]
    return {action for statement in props["Policies"][0]["Statement"]
            if resource_suffix in json.dumps(statement["Resource"]) for action in statement["Action"]}


def test_granted_actions_cover_every_call_the_storage_adapters_make() -> None:
    dynamo_calls = client_calls(dynamodb, "DynamoStore")
    s3_calls = client_calls(blobs, "S3BlobStore")
    assert dynamo_calls - generate.ADMIN_CALLS <= set(generate.DYNAMODB_CALLS)
    assert s3_calls <= set(generate.S3_CALLS)

    needed_on_table = {a for call in dynamo_calls - generate.ADMIN_CALLS for a in generate.DYNAMODB_CALLS[call]}
    needed_in_bucket = {a for call in s3_calls for a in generate.S3_CALLS[call]}
    assert granted("Table") == needed_on_table
    assert granted("Bucket") == needed_in_bucket
    assert len({json.dumps(props["Policies"], sort_keys=True) for props in functions().values()}) == 1


def test_function_environment_is_valid_settings_for_the_cloud_backends() -> None:
    refs = {"Stage": STAGE, "AWS::Region": REGION, "Table": "cashpilot-table", "Bucket": "cashpilot-bucket"}
    env = TEMPLATE["Globals"]["Function"]["Environment"]["Variables"]
    values = {name.removeprefix("CASHPILOT_").lower(): refs[value["Ref"]] if isinstance(value, dict) else value
              for name, value in env.items() if name.startswith("CASHPILOT_")}

    assert set(values) <= set(Settings.model_fields)
    settings = Settings.model_validate(values)
    assert (settings.storage_backend, settings.blob_backend) == ("dynamodb", "s3")
    assert (settings.table_name, settings.bucket_name, settings.stage) == ("cashpilot-table", "cashpilot-bucket",
                                                                           STAGE)
    assert TEMPLATE["Parameters"]["Stage"]["AllowedValues"] == ["dev", "prod"]
    assert set(TEMPLATE["Outputs"]) == {"ApiUrl", "TableName", "BucketName"}


# --- replaying every template event against the function it names -------------------------------------------


@dataclass
class World:
    """A fresh organization on the mocked cloud: its all-scopes key and real values for the path variables."""

    key: str
    values: dict[str, str]

    def value(self, variable: str) -> str:
        return self.values.get(variable) or unique("missing")


@dataclass
class FakeLambdaContext:
    function_name: str
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    memory_limit_in_mb: int = 512

    def get_remaining_time_in_millis(self) -> int:
        return 29_000


@dataclass
class Answer:
    """A Lambda proxy response, with header names folded to lower case."""

    status: int
    headers: dict[str, str]
    text: str

    @classmethod
    def of(cls, raw: dict[str, Any]) -> Answer:
        headers = {k.lower(): ", ".join(v) for k, v in (raw.get("multiValueHeaders") or {}).items()}
        headers.update({k.lower(): v for k, v in (raw.get("headers") or {}).items()})
        body = raw.get("body") or ""
        text = base64.b64decode(body).decode("utf-8") if raw.get("isBase64Encoded") else body
        return cls(status=raw["statusCode"], headers=headers, text=text)

    def json(self) -> Any:
        return json.loads(self.text)


@dataclass(frozen=True)
class Cloud:
    """moto's DynamoDB and S3 clients, and the bucket every replay shares."""

    dynamodb: Any
    s3: Any
    bucket: str


@pytest.fixture(scope="module")
def cloud() -> Iterator[Cloud]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        bucket = unique("cp-blobs")
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield Cloud(dynamodb=boto3.client("dynamodb", region_name=REGION), s3=s3, bucket=bucket)


@pytest.fixture
def cloud_deps(cloud: Cloud) -> Iterator[Deps]:
    """Deps on a fresh table built from ``chalicelib.store.schema`` (moto copies the whole table on every
    transaction, so each replay gets its own small one) and the shared bucket."""
    table = unique("cashpilot")
    cloud.dynamodb.create_table(**schema.create_table_kwargs(table))
    settings = Settings(stage="test", storage_backend="dynamodb", blob_backend="s3", table_name=table,
                        bucket_name=cloud.bucket, aws_region=REGION, rate_limit_cpk=TEST_RATE_LIMIT,
                        rate_limit_anonymous=TEST_RATE_LIMIT)
    clock = FixedClock(datetime(2026, 3, 15, 9, 30, tzinfo=UTC))
    deps = Deps(settings=settings, store=DynamoStore(cloud.dynamodb, table, clock=clock),
                blobs=S3BlobStore(cloud.s3, cloud.bucket), clock=clock, new_id=new_id)
    with using(deps):
        yield deps
    cloud.dynamodb.delete_table(TableName=table)


@pytest.fixture
def world(cloud_deps: Deps) -> World:
    boot = create_organization(cloud_deps, name=unique("Org"), owner_email=f"{unique('owner')}@example.com")
    caller = authenticate(cloud_deps, boot.key.key)
    spare_key = create_api_key(cloud_deps, caller, ApiKeyCreate(name=unique("spare"), scopes=["read"]))
    client = create_client(cloud_deps, boot.organization.id, ClientCreate(company_name=unique("Client")))
    # books and a company with a SIREN, so the accounting and export routes have something to answer
    replace_company(cloud_deps, boot.organization.id, CompanyUpdate(legal_name=unique("Company"), siren="732829320"))
    init_accounting(cloud_deps, boot.organization.id, "FR")
    return World(key=boot.key.key, values={"client_id": client.id, "key_id": spare_key.id,
                                           "asset": "swagger-ui.css", "proxy": "no/such/route"})


@cache
def load_handler(handler: str) -> Any:
    """The object the template names as a handler, imported as Lambda would (once per function)."""
    module, attribute = handler.rsplit(".", 1)
    return getattr(importlib.import_module(module), attribute)


def variables(path: str) -> list[str]:
    return [name.rstrip("+") for name in re.findall(r"\{([^}]+)\}", path)]


def sample_body(model: type[BaseModel] | None) -> dict[str, Any] | None:
    """A valid body for ``model``, or ``None`` when this test cannot make one up."""
    if model is None:
        return {}
    if model in SAMPLE_BODIES:
        return SAMPLE_BODIES[model]()
    try:
        model.model_validate({})
    except ValidationError:
        return None
    return {}


# Routes whose body is a file (no body model), sent in the JSON form they accept.
FILE_UPLOADS: dict[str, dict[str, str]] = {
    "importBankStatement": {"filename": "releve.csv", "content_base64": base64.b64encode(
        "Date;Libellé;Montant\n10/03/2026;CB CARREFOUR;-42,10\n".encode()).decode()},
}


# Required query parameters of some routes (the world's books are of 2026).
SAMPLE_QUERIES: dict[str, dict[str, str]] = {
    "getTaxSummary": {"start_date": "2026-01-01", "end_date": "2026-03-31"},
    "exportSAFT": {"start_date": "2026-01-01", "end_date": "2026-03-31"},
    "exportFEC": {"fiscal_year": "2026"},
}


def list_query(spec: RouteSpec | None) -> dict[str, str] | None:
    if spec is not None and spec.operation_id in SAMPLE_QUERIES:
        return SAMPLE_QUERIES[spec.operation_id]
    if spec is not None and spec.list_response and spec.query is not None and "limit" in spec.query.model_fields:
        return {"limit": "5"}
    return None


def proxy_event(event: ApiEvent, world: World) -> dict[str, Any]:
    """The API Gateway REST (v1) proxy event that ``event`` delivers to its function."""
    spec = ROUTES.get((event.path, event.method))
    params = {name: world.value(name) for name in variables(event.path)}
    concrete = re.sub(r"\{([^}+]+)\+?\}", lambda m: params[m.group(1)], event.path)
    body = sample_body(spec.body if spec else None) if event.method in BODY_METHODS else None
    if spec is not None and spec.group == "mcp" and event.method == "POST":
        body = INITIALIZE  # a JSON-RPC message: the MCP endpoint has no REST body model
    if spec is not None and spec.operation_id in FILE_UPLOADS:
        body = FILE_UPLOADS[spec.operation_id]  # a file route, in the JSON form of its upload
    query = list_query(spec) if event.method == "GET" else None
    headers = {"Accept": "*/*", "Host": f"abc123.execute-api.{REGION}.amazonaws.com", "User-Agent": "replay",
               "X-API-Key": world.key, "X-Forwarded-Proto": "https"}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return {
        "resource": event.path, "path": concrete, "httpMethod": event.method,
        "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in query.items()} if query else None,
        "pathParameters": params or None, "stageVariables": None,
        "requestContext": {"resourcePath": event.path, "httpMethod": event.method, "path": f"/{STAGE}{concrete}",
                           "requestId": str(uuid.uuid4()), "identity": {"sourceIp": "203.0.113.7"},
                           "stage": STAGE, "resourceId": "abc123", "apiId": "abc123"},
        "body": json.dumps(body) if body is not None else None, "isBase64Encoded": False,
    }


def is_chalice_error(answer: Answer) -> bool:
    """Chalice's own answers (no such method or resource in this app, unhandled error): ``{"Code", "Message"}``."""
    try:
        body = answer.json()
    except ValueError:
        return False
    return isinstance(body, dict) and {"Code", "Message"} <= set(body)


def is_project_error(answer: Answer) -> bool:
    body = answer.json()
    return set(body) == {"error", "message", "details"} and isinstance(body["details"], dict)


def satisfiable(spec: RouteSpec, world: World) -> bool:
    known = all(name in world.values for name in variables(spec.path))
    return known and (spec.method not in BODY_METHODS or sample_body(spec.body) is not None)


def expect_method_not_allowed(answer: Answer, path: str) -> None:
    declared = {method for (p, method) in ROUTES if p == path and method != "HEAD"}  # HEAD goes with GET
    assert answer.status == 405
    assert set(answer.headers["allow"].split(", ")) == declared
    assert is_project_error(answer)
    assert answer.json()["error"] == "method_not_allowed"


def expect_unknown_route(answer: Answer) -> None:
    assert answer.status == 404
    assert is_project_error(answer)
    assert answer.json()["details"]["available_resources"] == [f"/api/v1/{n}" for n in api_resources()]


def expect_mcp(answer: Answer, method: str) -> None:
    """The SDK's own answers: the handshake to POST; 405 to DELETE (a stateless server has no session to end)."""
    body = answer.json()
    assert body["jsonrpc"] == "2.0"
    if method == "POST":
        assert answer.status == 200 and body["result"]["serverInfo"]["name"] == "cashpilot", answer.text
    else:
        assert answer.status == 405 and body["error"]["code"] == -32600, answer.text


def expect_success(answer: Answer, spec: RouteSpec, event: dict[str, Any]) -> None:
    # the world's books are initialized already: init answers 200 "already_initialized" instead of 201
    expected = 200 if spec.operation_id == "initAccounting" else spec.status
    assert answer.status == expected, answer.text
    assert answer.headers.get("x-request-id")
    if spec.binary:
        assert answer.text and answer.headers.get("content-type")
        return
    body = answer.json()
    if spec.list_response:
        assert isinstance(body["data"], list)
        assert {"page", "limit", "total"} <= set(body["meta"])
        if event["queryStringParameters"]:
            assert body["meta"]["limit"] == int(event["queryStringParameters"]["limit"])
    elif spec.method == "DELETE":
        assert body["success"] is True
    else:
        assert "data" in body
        data, params = body["data"], event["pathParameters"] or {}
        if spec.method in {"GET", "PUT", "PATCH"} and isinstance(data, dict) and "id" in data and params:
            assert data["id"] == list(params.values())[-1]


@pytest.mark.parametrize("event", EVENTS, ids=[event.case_id for event in EVENTS])
def test_every_template_event_gets_its_routes_real_answer(event: ApiEvent, world: World) -> None:
    handler = load_handler(event.handler)
    request = proxy_event(event, world)
    answer = Answer.of(handler(request, FakeLambdaContext(event.function)))

    assert answer.status < 500, answer.text
    assert not is_chalice_error(answer), f"Chalice itself answered, not the route: {answer.text}"
    spec = ROUTES.get((event.path, event.method))
    if spec is None:
        expect_method_not_allowed(answer, event.path)
    elif event.path == CATCH_ALL:
        expect_unknown_route(answer)
    elif spec.group == "mcp":
        expect_mcp(answer, event.method)
    elif satisfiable(spec, world):
        expect_success(answer, spec, request)
    else:
        assert is_project_error(answer), answer.text
