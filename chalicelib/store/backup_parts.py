"""The contract between a bounded context and the organization backup.

Each context declares one ``BackupPart``: it exports its *domain records* (JSON values independent of how the store
lays items out) and turns records back into store operations through its own repository, derived items included
(counters, indexes, markers). A backup never holds keys, so a change of key or item encoding leaves every backup
restorable. ``ModelPart`` covers the common case: one model per record, listed by one repository query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from chalicelib.store.deps import Deps
from chalicelib.store.pagination import all_items
from chalicelib.store.port import Item, Operation, Page, Store

Record = dict[str, Any]
M = TypeVar("M", bound=BaseModel)
PAGE = 1000


class BadRecord(ValueError):
    """A record that cannot be restored; ``path`` is relative to the part (``[3].lines[0].debit``)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path, self.message = path, message


@dataclass(frozen=True)
class BlobFile:
    key: str
    content_type: str
    data: bytes


@dataclass
class Restoration:
    """What restoring a part writes: store operations (applied to an empty organization) and blobs."""

    operations: list[Operation] = field(default_factory=list)
    files: list[BlobFile] = field(default_factory=list)


class BackupPart(Protocol):
    """One context's share of a backup, under ``records[name]`` of the document."""

    @property
    def name(self) -> str:
        """The part's key in the document's ``records``."""

    def export(self, deps: Deps, org_id: str) -> Any:
        """The part's records as JSON values (a list of records, or an object for a part with several kinds)."""

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        """Whether the organization holds anything of this part (a restore needs an empty organization)."""

    def restore(self, org_id: str, records: Any) -> Restoration:
        """The writes re-creating ``records`` in organization ``org_id``; ``BadRecord`` if one is invalid. Records
        already name ``org_id`` (the caller rewrote the source organization's id)."""


def parsed(model: type[M], records: Any, org_id: str, path: str = "") -> list[M]:
    """``records`` (a list) validated as ``model``s of organization ``org_id``; ``BadRecord`` naming the first bad
    field (a record of another organization would write into that organization's partitions)."""
    if not isinstance(records, list):
        raise BadRecord(path, "must be a list of records")
    models: list[M] = []
    for i, record in enumerate(records):
        try:
            models.append(model.model_validate(record))
        except ValidationError as exc:
            error = exc.errors()[0]
            where = "".join(f".{p}" if isinstance(p, str) else f"[{p}]" for p in error["loc"])
            raise BadRecord(f"{path}[{i}]{where}", str(error["msg"])) from exc
        if getattr(models[-1], "org_id", org_id) != org_id:
            raise BadRecord(f"{path}[{i}].org_id", "must be the id of the backed-up organization")
    return models


def parsed_one(model: type[M], record: Any, org_id: str, path: str = "") -> M:
    """One record validated as a ``model`` of organization ``org_id`` (see ``parsed``)."""
    try:
        [one] = parsed(model, [record], org_id)
    except BadRecord as exc:
        raise BadRecord(path + exc.path.removeprefix("[0]"), exc.message) from exc
    return one


def unique_ids(models: Sequence[Any], path: str = "") -> None:
    seen: dict[str, int] = {}
    for i, model in enumerate(models):
        if (first := seen.setdefault(model.id, i)) != i:
            raise BadRecord(f"{path}[{i}].id", f"is also the id of record [{first}]")


def record(model: BaseModel) -> Record:
    return model.model_dump(mode="json")


@dataclass(frozen=True)
class ModelPart(Generic[M]):
    """A part whose records are one model each, listed by ``page(store, org_id, cursor)`` and written by
    ``insert(model)`` (the repository's operations for a new record, derived items included)."""

    name: str
    model: type[M]
    page: Callable[[Store, str, str | None], Page]
    from_item: Callable[[Item], M]
    insert: Callable[[M], list[Operation]]

    def models(self, deps: Deps, org_id: str) -> Iterator[M]:
        for item in all_items(lambda cursor: self.page(deps.store, org_id, cursor)):
            yield self.from_item(item)

    def export(self, deps: Deps, org_id: str) -> list[Record]:
        return [record(model) for model in self.models(deps, org_id)]

    def holds_data(self, deps: Deps, org_id: str) -> bool:
        return bool(self.page(deps.store, org_id, None).items)

    def restore(self, org_id: str, records: Any) -> Restoration:
        models = parsed(self.model, records, org_id)
        unique_ids(models)
        return Restoration(operations=[op for model in models for op in self.insert(model)])
