"""Which URLs may receive webhook deliveries: the SSRF guard in front of every outbound request.

A webhook URL is chosen by a customer, and the sender runs inside our cloud account, so a URL is a way to make our
code send a request anywhere that account can reach: the Lambda Runtime API on loopback, the instance metadata
service (169.254.169.254, fd00:ec2::254), addresses of the VPC, other services on private ranges. ``check_url``
refuses every URL that could lead there and returns a ``Target``: the parsed URL plus the addresses it validated, so
the sender connects to exactly those (it pins the IP) instead of resolving the name again, which would let a DNS
answer change between the check and the connection (DNS rebinding).

The rules:

- ``https`` only. ``http`` only in local mode (development, tests) and only when every address is loopback.
- No userinfo (``user:pass@host``): it hides the real host from a reader and is never needed for a webhook.
- The hostname is 1 to 253 characters of DNS labels (IDN names are converted to their ASCII form). A host whose last
  label is numeric is an IPv4 literal: it must be written canonically (``127.0.0.1``). Resolvers accept odd forms
  (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) that other parsers read differently, so any other numeric form is
  refused, naming the forbidden range it denotes when it denotes one.
- Every address the name resolves to must be globally routable: one private answer among public ones is enough to
  refuse (the sender only connects to the first, but a resolver's order is not ours to trust). IPv4 embedded in
  IPv6 (IPv4-mapped ``::ffff:a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``) is judged as the IPv4 address.
- Port: any port for loopback in local mode; otherwise 443 or 1024-65535. The other privileged ports belong to
  well-known services (SSH, SMTP, ...) that a webhook has no business reaching, while receivers commonly listen on
  unprivileged ports (8443, 3000, ...).

A refusal is a ``UrlRefused`` (a 422 ``url_not_allowed``) whose ``reason`` is a short machine word naming the rule.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import SplitResult, urlsplit

from chalicelib.core.errors import ValidationFailed

Resolver = Callable[[str, int], list[str]]
"""(host, port) -> the IP addresses the host resolves to, as strings, in the resolver's order."""

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH: Final = 2048
MAX_HOST_LENGTH: Final = 253
DEFAULT_PORTS: Final = {"https": 443, "http": 80}

_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_METADATA: Final = frozenset({ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")})
_SHARED_OR_PRIVATE: Final = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7")
)
_NAT64: Final = ipaddress.ip_network("64:ff9b::/96")
_RANGES: Final = {
    "metadata": "the cloud metadata service",
    "loopback": "a loopback address",
    "link_local": "a link-local address",
    "multicast": "a multicast address",
    "private_address": "a private or shared address",
    "reserved": "a reserved address that is not globally routable",
}


class UrlRefused(ValidationFailed):
    """The URL may not receive deliveries; ``reason`` names the rule it breaks."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message, code="url_not_allowed", details={"url": [message]})
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A URL that passed the guard. ``host`` is the ASCII hostname or IP literal without brackets; ``path`` includes
    the query string; ``addresses`` are the validated IPs in the resolver's order (the sender connects to the first).
    """

    scheme: str
    host: str
    port: int
    path: str
    addresses: tuple[str, ...]


def system_resolver(host: str, port: int) -> list[str]:
    """The host's addresses from the system resolver (``socket.getaddrinfo``), without duplicates."""
    answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(sockaddr[0]) for *_, sockaddr in answers))


def check_url(url: str, *, local: bool, resolver: Resolver = system_resolver) -> Target:
    """Raise UrlRefused unless url may receive deliveries; return what the sender needs to reach it."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or (scheme == "http" and not local):
        raise UrlRefused("scheme", "only https URLs may receive webhooks")
    if "@" in parts.netloc:
        raise UrlRefused("userinfo", "the URL may not carry a user name or password (user@host)")
    host, literal = _host(parts, local=local)
    port = _port(parts, scheme)
    addresses = (literal,) if literal is not None else _resolve(host, port, resolver)
    for address in addresses:
        reason = address_refusal(address, local=local)
        if reason is not None:
            raise UrlRefused(reason, f"{host} resolves to {address}, {_RANGES[reason]}")
    all_loopback = all(_unwrap(a).is_loopback for a in addresses)
    if scheme == "http" and not all_loopback:
        raise UrlRefused("scheme", "http is allowed only for loopback hosts in local mode; use https")
    if not (local and all_loopback) and port != 443 and not 1024 <= port <= 65535:
        raise UrlRefused("port", f"port {port} is not allowed: use 443 or a port from 1024 to 65535")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(scheme, host, port, path, tuple(str(a) for a in addresses))


def address_refusal(address: IPAddress, *, local: bool) -> str | None:
    """Why this address may not receive deliveries (the reason word), or None when it may."""
    ip = _unwrap(address)
    if ip in _METADATA:
        return "metadata"
    if ip.is_loopback:
        return None if local else "loopback"
    if ip.is_link_local:
        return "link_local"
    if ip.is_multicast:
        return "multicast"
    if getattr(ip, "is_site_local", False):  # fec0::/10: deprecated, yet Python still calls it global
        return "private_address"
    if any(ip in network for network in _SHARED_OR_PRIVATE):
        return "private_address"
    if ip.is_unspecified or ip.is_reserved or not ip.is_global:
        return "reserved"
    return None


def _split(url: str) -> SplitResult:
    # urlsplit silently drops tabs and newlines and strips control characters: refuse them rather than guess.
    if len(url) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 0x20 or ord(c) == 0x7F for c in url):
        raise UrlRefused("syntax", "the URL is too long or contains spaces or control characters")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- urlsplit checks the port lazily; a bad one raises ValueError here
    except ValueError as error:
        raise UrlRefused("syntax", f"the URL cannot be parsed: {error}") from None
    return parts


def _host(parts: SplitResult, *, local: bool) -> tuple[str, IPAddress | None]:
    """The ASCII hostname and, when the host is an IP literal, its address."""
    host = parts.hostname or ""
    if "[" in parts.netloc:
        try:
            return host, ipaddress.IPv6Address(host)
        except ValueError:
            raise UrlRefused("host", "only an IPv6 address may stand between brackets") from None
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise UrlRefused("host", "the hostname is not a valid internationalised name") from None
    if not 0 < len(host) <= MAX_HOST_LENGTH:
        raise UrlRefused("host", f"the hostname must have 1 to {MAX_HOST_LENGTH} characters")
    labels = host.split(".")
    if not all(_LABEL.fullmatch(label) for label in labels):
        raise UrlRefused("host", "the hostname is not made of valid DNS labels")
    if _NUMERIC_LABEL.fullmatch(labels[-1]):
        return host, _canonical_ipv4(host, local=local)
    return host, None


def _canonical_ipv4(host: str, *, local: bool) -> IPAddress:
    """The address of a numeric host, refused unless written as four decimal parts."""
    try:
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    try:
        denoted = ipaddress.IPv4Address(socket.inet_aton(host))
    except OSError:
        raise UrlRefused("host", f"{host} is neither a hostname nor an IPv4 address") from None
    reason = address_refusal(denoted, local=local) or "host"
    raise UrlRefused(reason, f"{host} is a non-canonical form of {denoted}; write addresses as a.b.c.d")


def _port(parts: SplitResult, scheme: str) -> int:
    port = parts.port if parts.port is not None else DEFAULT_PORTS[scheme]
    if not 0 < port <= 65535:
        raise UrlRefused("port", f"port {port} is not a valid port")
    return port


def _resolve(host: str, port: int, resolver: Resolver) -> tuple[IPAddress, ...]:
    try:
        answers = resolver(host, port)
        addresses = tuple(ipaddress.ip_address(a) for a in answers)
    except (OSError, UnicodeError, ValueError):
        addresses = ()
    if not addresses:
        raise UrlRefused("unresolvable", f"{host} does not resolve to an IP address")
    return addresses


def _unwrap(address: IPAddress) -> IPAddress:
    """The IPv4 address an IPv6 address stands for (mapped, NAT64, 6to4), else the address itself."""
    if isinstance(address, ipaddress.IPv4Address):
        return address
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    return address
