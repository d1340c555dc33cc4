"""Subscription use cases: create (the secret shown once), read, list, change, delete, rotate the secret, and the
Zapier REST-hook form of create and delete.

A subscription's URL passes the egress guard when it is created or changed (a 422 ``url_not_allowed`` naming the
rule), and again before every delivery. A new or re-enabled subscription receives the events recorded from then
on: its outbox cursor starts at that moment. Each write holds the subscription, its cursor, the counter and the
outbox event in one transaction; the event carries the subscription without its secret.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from chalicelib.core.clock import iso
from chalicelib.core.egress import Egress
from chalicelib.core.errors import Conflict, DomainError, NotFound, field_error
from chalicelib.core.ids import is_uuid
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, PageQuery, fetch_page
from chalicelib.store.port import Operation, Page
from chalicelib.store.unit import commit, plain, retrying
from chalicelib.webhooks import repository as repo
from chalicelib.webhooks.models import (
    HookCreate,
    Source,
    Subscription,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionPatch,
)
from chalicelib.webhooks.outbox import Event, record_event
from chalicelib.webhooks.signing import hint, new_secret

ROTATION_GRACE = timedelta(hours=24)


def egress_of(deps: Deps) -> Egress:
    if deps.egress is None:
        raise DomainError("this deployment sends no webhooks (no egress configured)", code="webhooks_unavailable")
    return deps.egress


def _check_url(deps: Deps, url: str, field: str) -> None:
    try:
        egress_of(deps).check(url)
    except DomainError as exc:
        if exc.code != "url_not_allowed":
            raise
        raise field_error(field, str(exc), code="url_not_allowed") from exc


def to_out(sub: Subscription) -> SubscriptionOut:
    return SubscriptionOut(id=sub.id, url=sub.url, events=sub.events, description=sub.description,
                           active=sub.active, source=sub.source, secret_hint=hint(sub.secret),
                           previous_secret_expires_at=sub.previous_secret_expires_at,
                           failing_since=sub.failing_since, disabled_at=sub.disabled_at,
                           disabled_reason=sub.disabled_reason, created_at=sub.created_at, updated_at=sub.updated_at)


def created_out(sub: Subscription) -> SubscriptionCreated:
    return SubscriptionCreated(**to_out(sub).model_dump(), secret=sub.secret)


def event(deps: Deps, sub: Subscription, type_: str, **extra: Any) -> Operation:
    return record_event(Event(id=deps.new_id(), org_id=sub.org_id, type=type_, entity="webhook", entity_id=sub.id,
                              payload={**to_out(sub).model_dump(mode="json"), **extra},
                              occurred_at=deps.clock.now()))


def valid_secrets(sub: Subscription, now: datetime) -> list[str]:
    """The secrets deliveries are signed with: the current one, and the previous one for 24 h after a rotation."""
    expires = sub.previous_secret_expires_at
    return [sub.secret] + ([sub.previous_secret] if sub.previous_secret and expires and now < expires else [])


def create_subscription(deps: Deps, org_id: str, data: SubscriptionCreate, source: Source = "api",
                        url_field: str = "url") -> SubscriptionCreated:
    _check_url(deps, data.url, url_field)
    now = deps.clock.now()
    sub = Subscription(id=deps.new_id(), org_id=org_id, url=data.url, events=data.events,
                       description=data.description, active=data.active, source=source, secret=new_secret(),
                       created_at=now, updated_at=now)

    def attempt() -> None:
        if repo.count(deps.store, org_id) >= repo.MAX_SUBSCRIPTIONS:
            raise Conflict(f"an organization has at most {repo.MAX_SUBSCRIPTIONS} webhook subscriptions",
                           code="webhook_limit")
        commit(deps.store, plain([*repo.insert(sub, iso(now)), event(deps, sub, "webhook.created")]))

    retrying(deps.store, attempt)
    return created_out(sub)


def require(deps: Deps, org_id: str, subscription_id: str) -> Subscription:
    sub = repo.get(deps.store, org_id, subscription_id) if is_uuid(subscription_id) else None
    if sub is None:
        raise NotFound(f"webhook subscription {subscription_id} not found", code="webhook_not_found")
    return sub


def get_subscription(deps: Deps, org_id: str, subscription_id: str) -> SubscriptionOut:
    return to_out(require(deps, org_id, subscription_id))


def list_subscriptions(deps: Deps, org_id: str, params: PageQuery) -> Listing:
    def query(limit: int, cursor: str | None) -> Page:
        return repo.query(deps.store, org_id, limit, cursor)

    page, number = fetch_page(query, params)
    return Listing([to_out(repo.from_item(i)) for i in page.items], number, params.limit,
                   repo.count(deps.store, org_id), page.next_cursor)


def update_subscription(deps: Deps, org_id: str, subscription_id: str, data: SubscriptionPatch) -> SubscriptionOut:
    changes = data.model_dump(exclude_unset=True)
    if not changes:
        return get_subscription(deps, org_id, subscription_id)
    if "url" in changes:
        _check_url(deps, changes["url"], "url")

    def attempt() -> SubscriptionOut:
        current = require(deps, org_id, subscription_id)
        now = deps.clock.now()
        update: dict[str, Any] = {**changes, "updated_at": now, "version": current.version + 1}
        ops: list[Operation] = []
        if changes.get("active") and not current.active:
            # Re-enabled: a fresh start, from the events recorded from now on.
            update.update(failing_since=None, disabled_at=None, disabled_reason=None)
            cursor = repo.get_cursor(deps.store, org_id, subscription_id)
            ops.append(repo.cursor_put(org_id, subscription_id, iso(now), cursor[1] if cursor else None))
        elif changes.get("active") is False and current.active:
            update.update(disabled_at=now)
        updated = current.model_copy(update=update)
        commit(deps.store, plain([repo.replace(updated, current), *ops,
                                  event(deps, updated, "webhook.updated", changed=sorted(changes))]))
        return to_out(updated)

    return retrying(deps.store, attempt)


def delete_subscription(deps: Deps, org_id: str, subscription_id: str) -> None:
    def attempt() -> None:
        sub = require(deps, org_id, subscription_id)
        commit(deps.store, plain([*repo.remove(sub), event(deps, sub, "webhook.deleted")]))

    retrying(deps.store, attempt)


def rotate_secret(deps: Deps, org_id: str, subscription_id: str) -> SubscriptionCreated:
    """A new secret, shown once; deliveries are signed with both for 24 hours (``webhook-signature`` holds two
    signatures, ``X-Signature-Previous`` the previous one's), so receivers can switch without losing any."""

    def attempt() -> SubscriptionCreated:
        current = require(deps, org_id, subscription_id)
        now = deps.clock.now()
        updated = current.model_copy(update={"secret": new_secret(), "previous_secret": current.secret,
                                             "previous_secret_expires_at": now + ROTATION_GRACE,
                                             "updated_at": now, "version": current.version + 1})
        commit(deps.store, plain([repo.replace(updated, current), event(deps, updated, "webhook.updated",
                                                                        changed=["secret"])]))
        return created_out(updated)

    return retrying(deps.store, attempt)


def hook_out(sub: SubscriptionOut | SubscriptionCreated) -> dict[str, Any]:
    """A REST hook as Zapier reads it: ``id`` at the top level (it keeps the answer as ``subscribeData``)."""
    out = {"id": sub.id, "event": sub.events[0], "target_url": sub.url, "active": sub.active,
           "created_at": iso(sub.created_at)}
    return {**out, "secret": sub.secret} if isinstance(sub, SubscriptionCreated) else out


def create_hook(deps: Deps, org_id: str, data: HookCreate) -> dict[str, Any]:
    body = SubscriptionCreate(url=data.target_url, events=[data.event], description="Zapier REST hook")
    return hook_out(create_subscription(deps, org_id, body, source="zapier", url_field="target_url"))
