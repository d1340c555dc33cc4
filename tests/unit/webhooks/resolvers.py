"""A name resolver the tests control: the SSRF guard's lookups never leave the process."""

from __future__ import annotations

import socket

from chalicelib.webhooks.egress import Resolver


def resolving(answers: dict[str, list[str]]) -> Resolver:
    """A resolver that knows only these names; any other is unknown, as the system resolver would say."""

    def resolve(host: str, port: int) -> list[str]:
        if host not in answers:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return answers[host]

    return resolve
