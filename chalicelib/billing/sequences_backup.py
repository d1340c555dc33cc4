"""The document-number sequences' share of a backup: the last number of each kind and year, as a domain fact
(``{"sequence": "invoice_number", "year": 2026, "last": 12}``), so numbering continues after a restore without a
gap and without a number taken twice."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from chalicelib.billing.numbering import SEQUENCES
from chalicelib.core.models import Model
from chalicelib.store.backup_parts import BadRecord, Record, Restoration, parsed, record
from chalicelib.store.deps import Deps

_BY_NAME = {numbering.counter: numbering for numbering in SEQUENCES}


class Sequence(Model):
    sequence: str
    year: int = Field(ge=1900, le=2999)
    last: int = Field(ge=1)


class SequencesPart:
    name = "sequences"

    def export(self, deps: Deps, org_id: str) -> list[Record]:
        return [record(Sequence(sequence=numbering.counter, year=year, last=last))
                for numbering in SEQUENCES for year, last in sorted(numbering.sequences(deps.store, org_id).items())]

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        return any(numbering.sequences(deps.store, org_id) for numbering in SEQUENCES)

    def restore(self, org_id: str, records: Any) -> Restoration:
        restoration = Restoration()
        seen: set[tuple[str, int]] = set()
        for i, sequence in enumerate(parsed(Sequence, records, org_id)):
            numbering = _BY_NAME.get(sequence.sequence)
            if numbering is None:
                raise BadRecord(f"[{i}].sequence", f"must be one of {sorted(_BY_NAME)}")
            if (sequence.sequence, sequence.year) in seen:
                raise BadRecord(f"[{i}]", "states the same sequence and year twice")
            seen.add((sequence.sequence, sequence.year))
            restoration.operations.append(numbering.claim(org_id, sequence.year, 0, sequence.last))
        return restoration


PART = SequencesPart()
