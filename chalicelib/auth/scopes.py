"""Scopes: what a key may do, and the one rule that decides whether a route or tool accepts it.

Actions are ``read``, ``write`` and ``delete``; resources are ``customers``, ``orders``, ``products``,
``analytics``, ``webhooks`` and ``banking``; ``all`` grants everything, including key administration (resource
``admin``).

* ``write`` and ``delete`` each imply ``read`` (a key that may change data may see it).
* A key that lists resource scopes is limited to those resources; one that lists only resources (no action) is
  read-only on them.
* A route without a resource (for example the company profile) needs a key without resource limits.
"""

from __future__ import annotations

from typing import Literal

Action = Literal["read", "write", "delete"]
ACTIONS: frozenset[str] = frozenset({"read", "write", "delete"})
RESOURCES: frozenset[str] = frozenset({"customers", "orders", "products", "analytics", "webhooks", "banking"})
ALL = "all"
ADMIN = "admin"
SCOPES: frozenset[str] = ACTIONS | RESOURCES | {ALL}


def allows(scopes: frozenset[str] | set[str], action: Action, resource: str | None) -> bool:
    """Whether a key with ``scopes`` may perform ``action`` on ``resource``."""
    if ALL in scopes:
        return True
    if resource == ADMIN:
        return False
    actions = scopes & ACTIONS
    resources = scopes & RESOURCES
    if not actions and resources:
        actions = frozenset({"read"})
    has_action = action in actions or (action == "read" and bool(actions))
    has_resource = not resources or resource in resources
    return has_action and has_resource


def describe(action: Action, resource: str | None) -> str:
    """The scopes a refusal message names."""
    if resource == ADMIN:
        return "'all'"
    return f"'{action}'" + (f" on '{resource}'" if resource else "")
