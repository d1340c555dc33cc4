"""The projects' share of a backup: one record per project (the counter and the client's reference count are
rebuilt)."""

from __future__ import annotations

from chalicelib.billing.projects import repository as repo
from chalicelib.billing.projects.models import Project
from chalicelib.store.backup_parts import PAGE, ModelPart

PART = ModelPart("projects", Project, lambda store, org_id, cursor: repo.query(store, org_id, "created_at", PAGE,
                                                                               cursor), repo.from_item, repo.restored)
