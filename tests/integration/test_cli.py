"""The administration command line, in-process, on a temporary data folder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chalicelib.auth.keys import hash_secret
from chalicelib.auth.repository import get_api_key_by_hash
from chalicelib.cli import local_state
from chalicelib.cli.main import main
from chalicelib.core.container import build_deps, install_deps
from chalicelib.core.settings import Settings


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    yield tmp_path / "data"
    install_deps(None)


def test_create_org_prints_a_key_that_is_stored_hashed(data_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)]) == 0
    out = json.loads(capsys.readouterr().out)
    store = build_deps(Settings(data_dir=data_dir)).store
    key = get_api_key_by_hash(store, hash_secret(out["key"]))
    assert key is not None and key.org_id == out["organization_id"] and key.scopes == ["all"]


def test_create_key_uses_the_local_organization_and_the_scopes_given(data_dir: Path,
                                                                     capsys: pytest.CaptureFixture[str]) -> None:
    main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)])
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    local_state.write(data_dir, {"org_id": org_id})
    assert main(["create-key", "--scopes", "read,customers", "--kind", "mch", "--data-dir", str(data_dir)]) == 0
    created = json.loads(capsys.readouterr().out)
    assert created["key"].startswith("mch_") and created["scopes"] == ["customers", "read"]
    assert (created["rate_limit"], created["rate_window"]) == (1000, 60)


def test_create_key_without_an_organization_exits_with_a_message(data_dir: Path) -> None:
    with pytest.raises(SystemExit, match="no organization"):
        main(["create-key", "--data-dir", str(data_dir)])


def test_unknown_scope_is_refused_by_the_parser(data_dir: Path) -> None:
    with pytest.raises(SystemExit):
        main(["create-key", "--scopes", "read,root", "--data-dir", str(data_dir)])


def test_export_writes_the_fec_under_its_legal_name_and_reports_what_is_missing(
        data_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chalicelib.company.models import CompanyUpdate
    from chalicelib.company.service import replace_company
    from chalicelib.ledger.service import init_accounting

    main(["create-org", "--name", "Domaine", "--email", "a@b.fr", "--data-dir", str(data_dir)])
    org_id = json.loads(capsys.readouterr().out)["organization_id"]
    deps = build_deps(Settings(data_dir=data_dir))
    init_accounting(deps, org_id, "FR")
    out = tmp_path / "exports"
    args = ["export", "fec", "--org", org_id, "--fiscal-year", "2026", "--output", str(out),
            "--data-dir", str(data_dir)]
    assert main(args) == 2
    assert "company_siren_missing" in capsys.readouterr().out
    replace_company(deps, org_id, CompanyUpdate(legal_name="Domaine SARL", siren="732829320"))
    assert main(args) == 0
    written = out / "732829320FEC20261231.txt"
    assert written.read_bytes().startswith(b"JournalCode|JournalLib|EcritureNum")
    assert str(written) in capsys.readouterr().out
