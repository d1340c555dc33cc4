"""Admission of a request, whatever door it came through (REST route or MCP endpoint): authenticate the presented
key and count the request against its quota, or against the client IP's anonymous quota without a valid key.

Transport-free: the caller passes the presented secret and the client IP, and receives the principal with the
rate-limit headers to answer; refusals are domain errors (``Unauthorized``, ``RateLimited``) that carry those
headers too, so every transport renders them its own way. A key's requests share one bucket on every door.
"""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.auth.models import Principal
from chalicelib.auth.ratelimit import RateState, hit
from chalicelib.auth.service import authenticate
from chalicelib.core.errors import Unauthorized
from chalicelib.store.deps import Deps


@dataclass(frozen=True)
class Admission:
    """Who is calling (``None``: anonymous) and the rate-limit headers of the bucket the request was counted in."""

    principal: Principal | None
    headers: dict[str, str]


def _anonymous(deps: Deps, client_ip: str) -> RateState:
    s = deps.settings
    return hit(deps.store, deps.clock, f"IP#{client_ip}", s.rate_limit_anonymous, s.rate_window_anonymous)


def admit(deps: Deps, secret: str | None, client_ip: str, *, required: bool = True) -> Admission:
    """Authenticate ``secret`` and count the request on its key's quota.

    ``required``: a missing or refused key raises ``Unauthorized``, counted on the IP's quota (a refused key must
    not let anyone spend a tenant's quota). Otherwise a refused or missing key simply makes an anonymous request.
    """
    principal: Principal | None = None
    if required:
        try:
            principal = authenticate(deps, secret)
        except Unauthorized as exc:
            exc.headers = {**_anonymous(deps, client_ip).headers(), **exc.headers}
            raise
    elif secret:
        try:
            principal = authenticate(deps, secret)
        except Unauthorized:
            principal = None
    if principal is None:
        state = _anonymous(deps, client_ip)
    else:
        state = hit(deps.store, deps.clock, f"KEY#{principal.key_id}", principal.rate_limit, principal.rate_window)
    return Admission(principal=principal, headers=state.headers())
