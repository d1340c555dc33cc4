"""The organization's calendar: what day it is where the organization keeps its books (its time zone)."""

from __future__ import annotations

import datetime as dt

from chalicelib.auth.repository import get_organization
from chalicelib.core.clock import today as local_today
from chalicelib.store.deps import Deps

DEFAULT_TIMEZONE = "Europe/Paris"  # an organization that is gone still answers a day


def org_today(deps: Deps, org_id: str) -> dt.date:
    org = get_organization(deps.store, org_id)
    return local_today(deps.clock, org.timezone if org else DEFAULT_TIMEZONE)
