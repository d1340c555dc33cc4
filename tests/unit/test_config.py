"""The stage configuration names settings the application really reads, and holds no secrets; settings are read
from the environment with the documented precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from chalicelib.core.settings import Settings

CONFIG = json.loads((Path(__file__).resolve().parents[2] / ".chalice" / "config.json").read_text())


def _variables() -> dict[str, str]:
    found = dict(CONFIG["environment_variables"])
    for stage in CONFIG["stages"].values():
        found.update(stage.get("environment_variables", {}))
    return found


def test_every_configured_variable_is_a_setting() -> None:
    known = {f"CASHPILOT_{name.upper()}" for name in Settings.model_fields}
    assert set(_variables()) <= known


def test_each_stage_yields_valid_settings() -> None:
    for name, stage in CONFIG["stages"].items():
        env = {**CONFIG["environment_variables"], **stage.get("environment_variables", {})}
        values = {k.removeprefix("CASHPILOT_").lower(): v for k, v in env.items()}
        settings = Settings(**values)
        assert settings.stage == name


def test_no_secret_is_configured() -> None:
    assert not any(word in key.lower() for key in _variables() for word in ("secret", "password", "token"))


def test_a_setting_is_read_from_its_environment_variable_in_any_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_RATE_LIMIT_CPK", "7")
    monkeypatch.setenv("cashpilot_stage", "dev")
    settings = Settings()
    assert (settings.rate_limit_cpk, settings.stage) == (7, "dev")


def test_an_argument_wins_over_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_TABLE_NAME", "from-env")
    assert Settings(table_name="from-argument").table_name == "from-argument"


def test_a_list_setting_is_read_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_MCP_ALLOWED_HOSTS", '["127.0.0.1:*", "host.docker.internal:*"]')
    assert Settings().mcp_allowed_hosts == ["127.0.0.1:*", "host.docker.internal:*"]


def test_a_list_setting_that_is_not_json_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_MCP_ALLOWED_HOSTS", "127.0.0.1:*")
    with pytest.raises(ValidationError, match="CASHPILOT_MCP_ALLOWED_HOSTS must be JSON"):
        Settings()


def test_an_invalid_environment_value_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_STORAGE_BACKEND", "postgres")
    with pytest.raises(ValidationError):
        Settings()


def test_an_empty_endpoint_variable_means_aws_itself(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CASHPILOT_AWS_ENDPOINT_URL", "")
    assert Settings().aws_endpoint_url is None
