"""Use cases of tenancy and keys: create an organization with its owner and first key, issue, list, revoke and
rotate keys, and resolve a presented secret into a ``Principal``.

Every write goes through the unit of work (``billing.unit.retrying``/``commit``): one store transaction with its
preconditions that records its event in the outbox, run again on fresh data when something changed meanwhile.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from chalicelib.auth import repository as repo
from chalicelib.auth.keys import KeyKind, display_prefix, generate_secret, hash_secret, looks_like_key
from chalicelib.auth.models import (
    ApiKey,
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyOut,
    Me,
    Membership,
    Organization,
    OrganizationOut,
    Principal,
    Role,
    User,
)
from chalicelib.auth.passwords import hash_password
from chalicelib.core.errors import Conflict, NotFound, Unauthorized, ValidationFailed
from chalicelib.core.ids import is_uuid
from chalicelib.core.models import Model
from chalicelib.store.deps import Deps
from chalicelib.store.pagination import Listing, PageQuery, fetch_page
from chalicelib.store.port import ConditionFailed, Operation, Page
from chalicelib.store.unit import Step, commit, plain, retrying
from chalicelib.webhooks.outbox import Event, record_event

_LAST_USED_RESOLUTION = timedelta(minutes=1)


class Bootstrap(Model):
    """What ``create_organization`` made: the secret of the first key is shown only here."""

    organization: Organization
    user: User
    key: ApiKeyCreated


def _event(deps: Deps, org_id: str, type_: str, entity: str, entity_id: str, payload: dict[str, object]) -> Event:
    return Event(id=deps.new_id(), org_id=org_id, type=type_, entity=entity, entity_id=entity_id,
                 payload=payload, occurred_at=deps.clock.now())


def _key_status(key: ApiKey, now: datetime) -> str:
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def key_out(key: ApiKey, now: datetime) -> ApiKeyOut:
    return ApiKeyOut(**key.model_dump(exclude={"org_id", "user_id", "key_hash", "version"}),
                     status=_key_status(key, now))


def _new_key(deps: Deps, org_id: str, user_id: str | None, spec: ApiKeyCreate) -> tuple[ApiKey, str]:
    settings = deps.settings
    default_limit, default_window = (
        (settings.rate_limit_cpk, settings.rate_window_cpk) if spec.kind == "cpk"
        else (settings.rate_limit_mch, settings.rate_window_mch)
    )
    if spec.expires_at is not None and spec.expires_at <= deps.clock.now():
        raise ValidationFailed("expires_at must be in the future", details={"expires_at": ["must be in the future"]})
    secret = generate_secret(spec.kind)
    key = ApiKey(id=deps.new_id(), org_id=org_id, user_id=user_id, name=spec.name, kind=spec.kind,
                 key_prefix=display_prefix(secret), key_hash=hash_secret(secret), scopes=spec.scopes,
                 rate_limit=spec.rate_limit or default_limit, rate_window=spec.rate_window or default_window,
                 expires_at=spec.expires_at, created_at=deps.clock.now())
    return key, secret


def _key_creation_ops(deps: Deps, key: ApiKey) -> list[Operation]:
    event = _event(deps, key.org_id, "api_key.created", "api_key", key.id,
                   {"name": key.name, "kind": key.kind, "scopes": key.scopes})
    return [*repo.put_new_api_key(key), repo.count_api_key(key.org_id),
            record_event(event)]


def create_organization(deps: Deps, *, name: str, owner_email: str, owner_name: str | None = None,
                        password: str | None = None, key_name: str = "Default", key_kind: KeyKind = "cpk",
                        timezone: str = "Europe/Paris", currency: str = "EUR", key_rate_limit: int | None = None,
                        key_rate_window: int | None = None) -> Bootstrap:
    """An organization, its owner (created, or reused when the e-mail is known) and an all-scopes key (with the
    kind's default rate limit unless ``key_rate_limit``/``key_rate_window`` say otherwise).

    An owner created concurrently under the same e-mail is read again and reused."""
    spec = ApiKeyCreate(name=key_name, kind=key_kind, scopes=["all"], rate_limit=key_rate_limit,
                        rate_window=key_rate_window)

    def attempt() -> Bootstrap:
        now = deps.clock.now()
        org = Organization(id=deps.new_id(), name=name, timezone=timezone, currency=currency, created_at=now)
        ops: list[Operation] = [*repo.put_organization(org)]
        existing_id = repo.find_user_id_by_email(deps.store, owner_email)
        user = repo.get_user(deps.store, existing_id) if existing_id else None
        if user is None:
            user = User(id=deps.new_id(), email=owner_email.lower(), name=owner_name, created_at=now,
                        password_hash=hash_password(password) if password else None)
            ops += repo.put_user(user)
        ops.append(repo.put_membership(Membership(org_id=org.id, user_id=user.id, role="owner", created_at=now)))
        key, secret = _new_key(deps, org.id, user.id, spec)
        ops += _key_creation_ops(deps, key)
        ops.append(record_event(_event(deps, org.id, "organization.created", "organization", org.id,
                                       {"name": name})))
        commit(deps.store, plain(ops))
        return Bootstrap(organization=org, user=user,
                         key=ApiKeyCreated(**key_out(key, now).model_dump(), key=secret))

    return retrying(deps.store, attempt)


def add_member(deps: Deps, org_id: str, *, email: str, role: Role, password: str | None = None) -> User:
    def attempt() -> User:
        now = deps.clock.now()
        user = User(id=deps.new_id(), email=email.lower(), created_at=now,
                    password_hash=hash_password(password) if password else None)
        event = _event(deps, org_id, "member.added", "user", user.id, {"email": user.email, "role": role})
        user_put, marker_put = repo.put_user(user)
        taken = Conflict(f"a user with e-mail {email} already exists", code="user_exists")
        steps: list[Step] = [(user_put, None), (marker_put, taken),
                             *plain([repo.put_membership(Membership(org_id=org_id, user_id=user.id, role=role,
                                                                   created_at=now)), record_event(event)])]
        commit(deps.store, steps)
        return user

    return retrying(deps.store, attempt)


def create_api_key(deps: Deps, principal: Principal, spec: ApiKeyCreate) -> ApiKeyCreated:
    def attempt() -> ApiKeyCreated:
        key, secret = _new_key(deps, principal.org_id, principal.user_id, spec)
        commit(deps.store, plain(_key_creation_ops(deps, key)))
        return ApiKeyCreated(**key_out(key, deps.clock.now()).model_dump(), key=secret)

    return retrying(deps.store, attempt)


def list_api_keys(deps: Deps, principal: Principal, params: PageQuery) -> Listing:
    def query(limit: int, cursor: str | None) -> Page:
        return repo.query_api_keys(deps.store, principal.org_id, limit, cursor)

    page, number = fetch_page(query, params)
    now = deps.clock.now()
    return Listing(items=[key_out(repo.key_from_item(i), now) for i in page.items], page=number, limit=params.limit,
                   total=repo.api_key_count(deps.store, principal.org_id), next_cursor=page.next_cursor)


def _require_key(deps: Deps, org_id: str, key_id: str) -> ApiKey:
    key = repo.get_api_key(deps.store, org_id, key_id) if is_uuid(key_id) else None
    if key is None:
        raise NotFound(f"API key {key_id} not found", code="api_key_not_found")
    return key


def get_api_key(deps: Deps, principal: Principal, key_id: str) -> ApiKeyOut:
    return key_out(_require_key(deps, principal.org_id, key_id), deps.clock.now())


def revoke_api_key(deps: Deps, principal: Principal, key_id: str) -> ApiKeyOut:
    """Revoke a key at once. Revoking an already revoked key is a no-op answer, not an error."""
    def attempt() -> ApiKeyOut:
        key = _require_key(deps, principal.org_id, key_id)
        if key.revoked_at is not None:
            return key_out(key, deps.clock.now())
        revoked = key.model_copy(update={"revoked_at": deps.clock.now(), "version": key.version + 1})
        event = _event(deps, key.org_id, "api_key.revoked", "api_key", key.id, {"name": key.name})
        commit(deps.store, plain([repo.put_api_key_update(revoked, key.version), record_event(event)]))
        return key_out(revoked, deps.clock.now())

    return retrying(deps.store, attempt)


def rotate_api_key(deps: Deps, principal: Principal, key_id: str, grace_period_days: int) -> ApiKeyCreated:
    """A new key with the same settings; the old one keeps working for the grace period, then expires."""
    def attempt() -> ApiKeyCreated:
        old = _require_key(deps, principal.org_id, key_id)
        now = deps.clock.now()
        if _key_status(old, now) != "active" or old.replaced_by:
            raise Conflict("only an active key that was not rotated yet can be rotated",
                           code="api_key_not_rotatable")
        spec = ApiKeyCreate(name=old.name, kind=old.kind, scopes=old.scopes, rate_limit=old.rate_limit,
                            rate_window=old.rate_window, expires_at=old.expires_at)
        new, secret = _new_key(deps, old.org_id, old.user_id, spec)
        grace_end = now + timedelta(days=grace_period_days)
        ends = grace_end if old.expires_at is None else min(grace_end, old.expires_at)
        superseded = old.model_copy(update={"replaced_by": new.id, "expires_at": ends, "version": old.version + 1})
        event = _event(deps, old.org_id, "api_key.rotated", "api_key", old.id, {"replaced_by": new.id})
        commit(deps.store, plain([repo.put_api_key_update(superseded, old.version), *_key_creation_ops(deps, new),
                                  record_event(event)]))
        return ApiKeyCreated(**key_out(new, now).model_dump(), key=secret)

    return retrying(deps.store, attempt)


def whoami(deps: Deps, principal: Principal) -> Me:
    org = repo.get_organization(deps.store, principal.org_id)
    key = repo.get_api_key(deps.store, principal.org_id, principal.key_id)
    if org is None or key is None:
        raise NotFound("this key's organization is gone", code="organization_not_found")
    return Me(organization=OrganizationOut(id=org.id, name=org.name, timezone=org.timezone, currency=org.currency),
              key=key_out(key, deps.clock.now()), user_id=principal.user_id)


def authenticate(deps: Deps, secret: str | None) -> Principal:
    """Resolve a presented secret, refusing unknown, revoked and expired keys with distinct messages."""
    if not secret:
        raise Unauthorized("missing API key: send X-API-Key, Authorization: Bearer, or ?api_key=",
                           code="missing_api_key")
    key = repo.get_api_key_by_hash(deps.store, hash_secret(secret)) if looks_like_key(secret) else None
    if key is None:
        raise Unauthorized("invalid API key", code="invalid_api_key")
    now = deps.clock.now()
    status = _key_status(key, now)
    if status != "active":
        raise Unauthorized(f"API key {status}", code=f"api_key_{status}")
    _touch(deps, key, now)
    return Principal(org_id=key.org_id, key_id=key.id, user_id=key.user_id, kind=key.kind,
                     scopes=frozenset(key.scopes), rate_limit=key.rate_limit, rate_window=key.rate_window)


def _touch(deps: Deps, key: ApiKey, now: datetime) -> None:
    # At most one write per key per minute. last_used_at is advisory bookkeeping of authentication, like the rate
    # counters, so it stays one direct conditional put outside the unit of work: it belongs to no use case, runs on
    # the hot path of every request (a transaction would double its DynamoDB cost), and a lost race is skipped.
    if key.last_used_at is not None and now - key.last_used_at < _LAST_USED_RESOLUTION:
        return
    touched = key.model_copy(update={"last_used_at": now, "version": key.version + 1})
    op = repo.put_api_key_update(touched, key.version)
    try:
        deps.store.put(op.item, op.condition)
    except ConditionFailed:
        return
