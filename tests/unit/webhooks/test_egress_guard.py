"""The SSRF guard: which webhook URLs ``check_url`` accepts, and the rule it names when it refuses one.

Hostnames are resolved by resolvers the tests control, and IP literals are judged without a lookup, so nothing here
touches the network.
"""

from __future__ import annotations

import pytest

from chalicelib.core.errors import ValidationFailed
from chalicelib.webhooks.egress import Resolver, Target, UrlRefused, check_url, system_resolver
from tests.unit.webhooks.resolvers import resolving

PUBLIC = "93.184.215.14"


UNKNOWN_NAMES = resolving({})


def refusal(url: str, *, local: bool = False, resolver: Resolver = UNKNOWN_NAMES) -> str:
    with pytest.raises(UrlRefused) as refused:
        check_url(url, local=local, resolver=resolver)
    return refused.value.reason


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("10.0.0.1", "private_address"),
        ("172.16.0.1", "private_address"),
        ("192.168.1.1", "private_address"),
        ("100.64.0.1", "private_address"),
        ("169.254.169.254", "metadata"),
        ("169.254.1.1", "link_local"),
        ("224.0.0.1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("0.0.0.0", "reserved"),
        ("255.255.255.255", "reserved"),
        ("192.0.2.1", "reserved"),
        ("127.0.0.1", "loopback"),
        ("[::1]", "loopback"),
        ("[fe80::1]", "link_local"),
        ("[fc00::1]", "private_address"),
        ("[fec0::1]", "private_address"),  # site-local, which Python still calls global
        ("[fd00:ec2::254]", "metadata"),
        ("[ff02::1]", "multicast"),
        ("[::]", "reserved"),
        ("[::ffff:10.0.0.1]", "private_address"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[64:ff9b::a9fe:a9fe]", "metadata"),
        ("[2002:a00:1::]", "private_address"),
        ("2130706433", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0x7f.1", "loopback"),
        ("127.1", "loopback"),
        ("0xa9fea9fe", "metadata"),
        ("012.0.0.1", "private_address"),
    ],
)
def test_refuses_an_ip_literal_in_a_forbidden_range_naming_the_range(host: str, reason: str) -> None:
    assert refusal(f"https://{host}/hook") == reason


def test_a_refusal_is_a_422_url_not_allowed_naming_the_rule() -> None:
    with pytest.raises(ValidationFailed) as refused:
        check_url("https://169.254.169.254/latest/meta-data/", local=False)
    assert refused.value.status == 422
    assert refused.value.code == "url_not_allowed"
    assert "metadata" in refused.value.message


def test_refuses_a_non_canonical_numeric_host_even_when_its_address_is_allowed() -> None:
    assert refusal("http://2130706433:8080/", local=True) == "host"
    assert refusal("https://1572395790/") == "host"  # 93.184.215.14 written as one number


def test_accepts_a_public_ip_literal_without_asking_the_resolver() -> None:
    target = check_url(f"https://{PUBLIC}/hook", local=False, resolver=UNKNOWN_NAMES)
    assert target == Target("https", PUBLIC, 443, "/hook", (PUBLIC,))


def test_accepts_https_to_a_name_resolving_to_public_addresses() -> None:
    resolver = resolving({"hooks.example.com": [PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]})
    target = check_url("https://hooks.example.com/in?a=1&b=2#frag", local=False, resolver=resolver)
    assert target == Target(
        "https", "hooks.example.com", 443, "/in?a=1&b=2", (PUBLIC, "2606:2800:21f:cb07:6820:80da:af6b:8b2c")
    )


def test_an_empty_path_becomes_the_root_and_the_scheme_and_host_are_lower_cased() -> None:
    target = check_url("HTTPS://Hooks.Example.COM", local=False, resolver=resolving({"hooks.example.com": [PUBLIC]}))
    assert (target.scheme, target.host, target.path) == ("https", "hooks.example.com", "/")


def test_refuses_a_name_with_one_private_address_among_public_ones() -> None:
    resolver = resolving({"hooks.example.com": [PUBLIC, "10.1.2.3", "93.184.215.15"]})
    assert refusal("https://hooks.example.com/", resolver=resolver) == "private_address"


def test_refuses_a_name_that_does_not_resolve() -> None:
    assert refusal("https://nowhere.example.com/") == "unresolvable"
    assert refusal("https://empty.example.com/", resolver=resolving({"empty.example.com": []})) == "unresolvable"
    assert refusal("https://junk.example.com/", resolver=resolving({"junk.example.com": ["not an ip"]})) == (
        "unresolvable"
    )


def test_refuses_http_to_a_public_address_in_either_mode() -> None:
    resolver = resolving({"hooks.example.com": [PUBLIC]})
    assert refusal("http://hooks.example.com/", resolver=resolver) == "scheme"
    assert refusal("http://hooks.example.com/", local=True, resolver=resolver) == "scheme"
    assert refusal(f"http://{PUBLIC}/", local=True) == "scheme"


def test_refuses_http_to_a_name_resolving_to_loopback_and_a_public_address_in_local_mode() -> None:
    resolver = resolving({"localhost": ["127.0.0.1", PUBLIC]})
    assert refusal("http://localhost:8000/", local=True, resolver=resolver) == "scheme"


def test_refuses_schemes_other_than_https() -> None:
    for url in ("ftp://hooks.example.com/", "file:///etc/passwd", "gopher://hooks.example.com/", "hooks.example.com"):
        assert refusal(url, local=True) == "scheme"


def test_refuses_http_to_loopback_outside_local_mode() -> None:
    assert refusal("http://127.0.0.1:8080/") == "scheme"
    assert refusal("http://localhost:8080/", resolver=resolving({"localhost": ["127.0.0.1"]})) == "scheme"


def test_accepts_http_to_loopback_on_any_port_in_local_mode() -> None:
    assert check_url("http://127.0.0.1:8080/hook?x=1", local=True) == Target(
        "http", "127.0.0.1", 8080, "/hook?x=1", ("127.0.0.1",)
    )
    resolver = resolving({"localhost": ["127.0.0.1", "::1"]})
    assert check_url("http://localhost:9/", local=True, resolver=resolver).addresses == ("127.0.0.1", "::1")
    assert check_url("http://[::1]/", local=True).port == 80


def test_private_addresses_stay_refused_in_local_mode() -> None:
    assert refusal("https://10.0.0.1/", local=True) == "private_address"
    assert refusal("https://169.254.169.254/", local=True) == "metadata"


def test_refuses_userinfo() -> None:
    resolver = resolving({"hooks.example.com": [PUBLIC]})
    assert refusal("https://user:secret@hooks.example.com/", resolver=resolver) == "userinfo"
    assert refusal("https://hooks.example.com@10.0.0.1/", resolver=resolver) == "userinfo"
    assert refusal("https://@hooks.example.com/", resolver=resolver) == "userinfo"


@pytest.mark.parametrize(
    "url",
    [
        "https:///hook",
        "https://" + "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 62 + "/",  # 254 characters
        "https://" + "a" * 64 + ".example.com/",
        "https://hooks..example.com/",
        "https://hooks.example.com./",
        "https://-hooks.example.com/",
        "https://hooks%2eexample.com/",
        "https://hooks.example.123/",
        "https://[hooks.example.com]/",
    ],
)
def test_refuses_a_malformed_empty_or_over_long_hostname(url: str) -> None:
    assert refusal(url, resolver=lambda host, port: [PUBLIC]) in {"host", "syntax"}


def test_accepts_a_hostname_of_253_characters() -> None:
    host = "a" * 63 + "." + "b" * 63 + "." + "c" * 63 + "." + "d" * 61
    assert check_url(f"https://{host}/", local=False, resolver=lambda h, p: [PUBLIC]).host == host


def test_refuses_urls_with_spaces_or_control_characters() -> None:
    for url in ("https://hooks.exa\tmple.com/", "https://hooks.example.com/a b", "https://hooks.example.com/\r\nX: 1"):
        assert refusal(url, resolver=lambda host, port: [PUBLIC]) == "syntax"


def test_an_internationalised_name_is_resolved_and_sent_in_its_ascii_form() -> None:
    asked: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append(host)
        return [PUBLIC]

    assert check_url("https://bücher.example/", local=False, resolver=resolver).host == "xn--bcher-kva.example"
    assert asked == ["xn--bcher-kva.example"]


@pytest.mark.parametrize(("port", "allowed"), [(443, True), (1024, True), (8443, True), (65535, True),
                                               (22, False), (80, False), (1023, False)])
def test_outside_loopback_only_port_443_and_unprivileged_ports_are_allowed(port: int, allowed: bool) -> None:
    url = f"https://hooks.example.com:{port}/"
    resolver = resolving({"hooks.example.com": [PUBLIC]})
    if allowed:
        assert check_url(url, local=False, resolver=resolver).port == port
    else:
        assert refusal(url, resolver=resolver) == "port"
        assert refusal(url, local=True, resolver=resolver) == "port"


def test_refuses_invalid_ports() -> None:
    resolver = resolving({"hooks.example.com": [PUBLIC]})
    assert refusal("https://hooks.example.com:0/", resolver=resolver) == "port"
    assert refusal("https://hooks.example.com:99999/", resolver=resolver) == "syntax"
    assert refusal("https://hooks.example.com:https/", resolver=resolver) == "syntax"


def test_the_resolver_is_asked_with_the_url_port() -> None:
    asked: list[tuple[str, int]] = []

    def resolver(host: str, port: int) -> list[str]:
        asked.append((host, port))
        return [PUBLIC]

    check_url("https://hooks.example.com:8443/", local=False, resolver=resolver)
    check_url("https://hooks.example.com/", local=False, resolver=resolver)
    assert asked == [("hooks.example.com", 8443), ("hooks.example.com", 443)]


def test_the_system_resolver_answers_numeric_hosts_without_duplicates() -> None:
    assert system_resolver("127.0.0.1", 443) == ["127.0.0.1"]
