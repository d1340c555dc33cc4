"""The stage configuration names settings the application really reads, and holds no secrets."""

from __future__ import annotations

import json
from pathlib import Path

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
