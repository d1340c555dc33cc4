"""Where the independent validators of the legal exports live, and how a test runs them.

They sit in ``../shared/validators`` beside the clone (``/work/shared`` for a clone in ``/work/main``). CI always
has that folder; a user's fresh clone may not, so tests that need it call ``require_validators()`` and skip
cleanly without it. This module is the one place that resolves the path.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED

VALIDATORS = SHARED / "validators"
FEC_CHECK = VALIDATORS / "fec_check.py"
FEC_TO_DGFIP_XML = VALIDATORS / "fec_to_dgfip_xml.py"
VALIDATE_SAFT = VALIDATORS / "validate_saft.py"
SAFT_XSD = VALIDATORS / "saft-generic" / "SAF-T_Financial_OECD2.00_generic_from_NO1.20.xsd"


def require_validators() -> Path:
    """The validators folder, or skip the calling test when it is absent."""
    if not VALIDATORS.is_dir():
        pytest.skip(f"../shared/validators absent: {VALIDATORS} not found (CI has it beside the clone)")
    return VALIDATORS


def run_validator(script: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    """Run one validator script with this interpreter; the caller checks ``returncode`` and ``stdout``."""
    require_validators()
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True, text=True,
                          cwd=VALIDATORS, timeout=300, check=False)
