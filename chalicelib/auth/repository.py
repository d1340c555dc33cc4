"""Persistence of organizations, users, memberships and API keys.

Key formats and access patterns (``table`` = base table, strongly consistent reads):

| item / pattern                        | index | key condition                                               |
|---------------------------------------|-------|-------------------------------------------------------------|
| organization by id                    | table | pk=``ORG#<org>``, sk=``ORG``                                 |
| every organization (scheduled jobs)   | table | pk=``ORGS``, sk begins ``ORG#`` (one small item per org)     |
| user by id                            | table | pk=``USER#<user>``, sk=``USER``                              |
| user id by e-mail (uniqueness marker) | table | pk=``EMAIL#<lower email>``, sk=``EMAIL``                     |
| membership of a user in an org        | table | pk=``ORG#<org>``, sk=``MEMBER#<user>``                       |
| organizations of a user               | gsi1  | gsi1pk=``USER#<user>#ORGS``, gsi1sk begins ``ORG#``          |
| API key by secret (authentication)    | table | pk=``APIKEY#<sha256 of secret>``, sk=``APIKEY``              |
| API key hash by id (org-scoped)       | table | pk=``ORG#<org>``, sk=``APIKEY#<key id>`` → ``key_hash``      |
| API keys of an org, newest first      | gsi1  | gsi1pk=``ORG#<org>#APIKEYS``, gsi1sk=``<created_at>#<id>``   |
| number of API keys (``meta.total``)   | table | pk=``ORG#<org>``, sk=``COUNTER#api_keys`` (attribute ``count``) |

The key record lives under its hash so authentication is one consistent read; the org-scoped pointer keeps
"key by id" inside the organization's partition, so no key of another organization can be reached by id.
"""

from __future__ import annotations

from typing import Any

from chalicelib.auth.models import ApiKey, Membership, Organization, User
from chalicelib.core.clock import iso
from chalicelib.store.pagination import all_items
from chalicelib.store.port import ExpectedVersion, Increment, Item, MustNotExist, Page, Put, Store

KEY_COUNTER_SK = "COUNTER#api_keys"


def org_pk(org_id: str) -> str:
    return f"ORG#{org_id}"


def count_api_key(org_id: str, by: int = 1) -> Increment:
    """The organization's API key count moved by ``by`` (joins the key's own writes)."""
    return Increment(org_pk(org_id), KEY_COUNTER_SK, "count", by)


def api_key_count(store: Store, org_id: str) -> int:
    return int((store.get(org_pk(org_id), KEY_COUNTER_SK) or {}).get("count", 0))


def _dump(model: Any, entity: str, **keys: str) -> Item:
    return {**keys, "entity": entity, **model.model_dump(mode="json")}


def _fields(item: Item) -> Item:
    return {k: v for k, v in item.items() if k not in {"pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk",
                                                       "entity", "ttl"}}


# -- organizations and users --------------------------------------------------------------------------------------


def put_organization(org: Organization) -> list[Put]:
    """The organization and its entry in the registry that scheduled jobs walk."""
    entry = {"pk": "ORGS", "sk": f"ORG#{org.id}", "entity": "organization_ref", "org_id": org.id}
    return [Put(_dump(org, "organization", pk=org_pk(org.id), sk="ORG"), MustNotExist()),
            Put(entry, MustNotExist())]


def organization_ids(store: Store) -> list[str]:
    """Every organization's id (for jobs that run for each tenant)."""
    return [str(item["org_id"])
            for item in all_items(lambda cursor: store.query("ORGS", prefix="ORG#", limit=1000, cursor=cursor))]


def get_organization(store: Store, org_id: str) -> Organization | None:
    item = store.get(org_pk(org_id), "ORG")
    return Organization.model_validate(_fields(item)) if item else None


def put_user(user: User) -> list[Put]:
    """The user and its e-mail uniqueness marker (both must not exist)."""
    marker = {"pk": f"EMAIL#{user.email.lower()}", "sk": "EMAIL", "entity": "email", "user_id": user.id}
    return [
        Put(_dump(user, "user", pk=f"USER#{user.id}", sk="USER"), MustNotExist()),
        Put(marker, MustNotExist()),
    ]


def get_user(store: Store, user_id: str) -> User | None:
    item = store.get(f"USER#{user_id}", "USER")
    return User.model_validate(_fields(item)) if item else None


def find_user_id_by_email(store: Store, email: str) -> str | None:
    item = store.get(f"EMAIL#{email.lower()}", "EMAIL")
    return str(item["user_id"]) if item else None


def put_membership(membership: Membership) -> Put:
    item = _dump(membership, "membership", pk=org_pk(membership.org_id), sk=f"MEMBER#{membership.user_id}",
                 gsi1pk=f"USER#{membership.user_id}#ORGS", gsi1sk=f"ORG#{membership.org_id}")
    return Put(item, MustNotExist())


def get_membership(store: Store, org_id: str, user_id: str) -> Membership | None:
    item = store.get(org_pk(org_id), f"MEMBER#{user_id}")
    return Membership.model_validate(_fields(item)) if item else None


# -- API keys -----------------------------------------------------------------------------------------------------


def _key_item(key: ApiKey) -> Item:
    return _dump(key, "api_key", pk=f"APIKEY#{key.key_hash}", sk="APIKEY",
                 gsi1pk=f"ORG#{key.org_id}#APIKEYS", gsi1sk=f"{iso(key.created_at)}#{key.id}")


def put_new_api_key(key: ApiKey) -> list[Put]:
    pointer = {"pk": org_pk(key.org_id), "sk": f"APIKEY#{key.id}", "entity": "api_key_ref",
               "key_hash": key.key_hash}
    return [Put(_key_item(key), MustNotExist()), Put(pointer, MustNotExist())]


def put_api_key_update(key: ApiKey, expected_version: int) -> Put:
    return Put(_key_item(key), ExpectedVersion(expected_version))


def get_api_key_by_hash(store: Store, key_hash: str) -> ApiKey | None:
    item = store.get(f"APIKEY#{key_hash}", "APIKEY")
    return ApiKey.model_validate(_fields(item)) if item else None


def get_api_key(store: Store, org_id: str, key_id: str) -> ApiKey | None:
    pointer = store.get(org_pk(org_id), f"APIKEY#{key_id}")
    return get_api_key_by_hash(store, str(pointer["key_hash"])) if pointer else None


def query_api_keys(store: Store, org_id: str, limit: int, cursor: str | None) -> Page:
    """One page of the organization's key items, newest first (``key_from_item`` reads each)."""
    return store.query(f"ORG#{org_id}#APIKEYS", index="gsi1", forward=False, limit=limit, cursor=cursor)


def key_from_item(item: Item) -> ApiKey:
    return ApiKey.model_validate(_fields(item))
