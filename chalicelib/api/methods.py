"""Which methods every path answers, and the routes a group's declarations imply (the HEAD of each GET, a 405 for
each other method): one rule, light enough for the app that registers routes before importing any group."""

from __future__ import annotations

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Answered on every path too (API Gateway's ANY passes them on): OPTIONS lists the methods; HEAD answers as GET
# without the body where the path has a GET, and is refused elsewhere.
EXTRA_METHODS = ("HEAD", "OPTIONS")
ALL_CONTENT_TYPES = ["*/*"]


def sealing(group: str, declared: list[tuple[str, str, str]]) -> list[tuple[str, str, str, str | None]]:
    """The routes ``seal`` adds to a group's declared (method, path, operation id): per path, the HEAD of its GET
    (with the GET's operation id last) and the 405 of every other method (``None`` last). One rule for the group
    and for the app that registers the routes before importing the groups (``apps.build_lazy_app``)."""
    added: list[tuple[str, str, str, str | None]] = []
    count = len(declared)
    for path in dict.fromkeys(p for _, p, _ in declared):
        methods = {m: op for m, p, op in declared if p == path}
        if "GET" in methods and "HEAD" not in methods:
            added.append(("HEAD", path, f"{methods['GET']}Head", methods["GET"]))
            count += 1
        answered = {*methods, *(["HEAD"] if "GET" in methods else [])}
        for method in (*METHODS, *EXTRA_METHODS):
            if method not in answered:
                added.append((method, path, f"{group}{method.title()}NotAllowed{count}", None))
                count += 1
    return added
