"""Typed settings, read once per process from ``CASHPILOT_*`` environment variables.

Stages in ``.chalice/config.json`` set these variables by name; the local runner sets them from its command line.
Services never read the environment: the composition root (``chalicelib.wiring``) reads settings once
and passes what each collaborator needs.

The environment is read here rather than by pydantic-settings, whose import (its CLI, dotenv and cloud-secret
sources, asyncio) cost more than the rest of a route group's cold start. The rules are the same: arguments win
over ``CASHPILOT_<FIELD>`` (any case), which wins over the default; list fields are read as JSON.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, get_origin

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ENV_PREFIX = "CASHPILOT_"


class Settings(BaseModel):
    """Every tunable of a CashPilot process.

    Attributes:
        stage: ``local``, ``dev`` or ``prod``; only ``local`` relaxes cookie security.
        storage_backend: ``sqlite`` (embedded, default) or ``dynamodb``.
        data_dir: where the SQLite file and the blob folder live for the embedded backend.
        table_name: the DynamoDB single table.
        bucket_name: the S3 bucket for blobs (exports, statements, receipts, backups).
        blob_backend: ``files`` (under ``data_dir``) or ``s3``.
        aws_endpoint_url: optional endpoint for DynamoDB and S3 (a local emulator); ``None`` is AWS itself.
        aws_region: region of the table and the bucket.
        mcp_allowed_hosts: Host header values the MCP endpoint accepts (DNS-rebinding protection).
        rate_limit_cpk: default request quota of a ``cpk_`` key per ``rate_window_cpk`` seconds.
        rate_limit_mch: default request quota of a ``mch_`` token per ``rate_window_mch`` seconds.
        rate_limit_anonymous: request quota per client IP per ``rate_window_anonymous`` seconds without a key.
        idempotency_ttl_seconds: how long an ``Idempotency-Key`` replays its first response.
        public_base_url: the externally visible base URL, used in printed connection hints.
    """

    # Built on first use (the first request), like every model of ours: not part of the import.
    model_config = ConfigDict(extra="ignore", validate_default=True, defer_build=True)

    stage: Literal["local", "dev", "prod", "test"] = "local"
    storage_backend: Literal["sqlite", "dynamodb"] = "sqlite"
    blob_backend: Literal["files", "s3"] = "files"
    data_dir: Path = Path(".cashpilot")
    table_name: str = "cashpilot"
    bucket_name: str = "cashpilot-blobs"
    aws_endpoint_url: str | None = None
    aws_region: str = "eu-west-3"
    mcp_allowed_hosts: list[str] = Field(default_factory=lambda: ["127.0.0.1:*", "localhost:*"])
    rate_limit_cpk: int = Field(default=100, ge=1)
    rate_window_cpk: int = Field(default=3600, ge=1)
    rate_limit_mch: int = Field(default=1000, ge=1)
    rate_window_mch: int = Field(default=60, ge=1)
    rate_limit_anonymous: int = Field(default=60, ge=1)
    rate_window_anonymous: int = Field(default=60, ge=1)
    idempotency_ttl_seconds: int = Field(default=86400, ge=60)
    public_base_url: str = "http://127.0.0.1:8000"

    @model_validator(mode="before")
    @classmethod
    def _from_environment(cls, values: Any) -> Any:
        if not isinstance(values, dict):
            return values
        environment = {name.upper(): value for name, value in os.environ.items()
                       if name.upper().startswith(ENV_PREFIX)}
        merged = dict(values)
        for name, info in cls.model_fields.items():
            variable = ENV_PREFIX + name.upper()
            if name not in merged and variable in environment:
                merged[name] = _decoded(variable, environment[variable], get_origin(info.annotation) in (list, dict))
        return merged

    @field_validator("aws_endpoint_url")
    @classmethod
    def _blank_is_none(cls, value: str | None) -> str | None:
        return value or None

    @property
    def sqlite_path(self) -> Path:
        return self.data_dir / "cashpilot.sqlite3"

    @property
    def blob_dir(self) -> Path:
        return self.data_dir / "blobs"


def _decoded(variable: str, text: str, is_json: bool) -> Any:
    if not is_json:
        return text
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ValueError(f"{variable} must be JSON, for example [\"127.0.0.1:*\"]") from exc


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings()
