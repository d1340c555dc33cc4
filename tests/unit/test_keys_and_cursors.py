"""Key secrets and pagination cursors."""

from __future__ import annotations

import pytest

from chalicelib.auth.keys import display_prefix, generate_secret, hash_secret, looks_like_key
from chalicelib.core.errors import BadRequest
from chalicelib.store.port import decode_cursor, encode_cursor, prefix_upper_bound


def test_secrets_have_their_prefix_and_32_random_bytes() -> None:
    for kind in ("cpk", "mch"):
        secret = generate_secret(kind)  # type: ignore[arg-type]
        assert secret.startswith(f"{kind}_") and len(secret) == 68 and looks_like_key(secret)
    assert generate_secret("cpk") != generate_secret("cpk")


def test_hash_is_sha256_hex_and_prefix_is_twelve_characters() -> None:
    secret = generate_secret("cpk")
    assert len(hash_secret(secret)) == 64 and hash_secret(secret) != secret
    assert display_prefix(secret) == secret[:12]


@pytest.mark.parametrize("bad", ["cpk_short", "xyz_" + "0" * 64, "cpk_" + "G" * 64, "", "cpk_" + "0" * 65])
def test_malformed_secrets_are_recognised_before_any_lookup(bad: str) -> None:
    assert not looks_like_key(bad)


def test_cursor_round_trips_and_is_bound_to_its_partition() -> None:
    cursor = encode_cursor({"pk": "ORG#1", "sk": "CLIENT#9"})
    assert decode_cursor(cursor, pk_field="pk", pk="ORG#1", fields=("pk", "sk")) == {"pk": "ORG#1", "sk": "CLIENT#9"}
    with pytest.raises(BadRequest):
        decode_cursor(cursor, pk_field="pk", pk="ORG#2", fields=("pk", "sk"))


def test_prefix_upper_bound_is_above_every_extension() -> None:
    bound = prefix_upper_bound("CLIENT#")
    assert "CLIENT#" < "CLIENT#zzzz" < bound and bound <= "CLIENU"
