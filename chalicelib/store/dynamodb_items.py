"""DynamoDB wire details of the storage port: item (de)serialisation and condition expressions.

Numbers are integers only on this side of the port (floats and ``Decimal`` are refused before), so every ``N``
read back becomes an ``int``. Index keys and ``ttl`` set to ``None`` are left out: DynamoDB index keys must be
strings when present.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chalicelib.store.port import AttributeAtMost, Condition, ExpectedVersion, Item, MustExist, MustNotExist
from chalicelib.store.schema import TTL_ATTRIBUTE

_serializer = TypeSerializer()
_deserializer = TypeDeserializer()
_OMITTED_WHEN_NONE = {"gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "ttl"}


def serialize(value: Any) -> dict[str, Any]:
    return dict(_serializer.serialize(value))


def _to_python(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _to_python(v) for k, v in value.items()}
    if isinstance(value, list | set):
        return [_to_python(v) for v in value]
    return value


def dump_item(item: Item) -> dict[str, Any]:
    return {k: serialize(v) for k, v in item.items() if v is not None or k not in _OMITTED_WHEN_NONE}


def load_item(raw: dict[str, Any]) -> Item:
    return {k: _to_python(_deserializer.deserialize(v)) for k, v in raw.items()}


class Expression:
    """Builds a condition expression with its placeholder maps.

    Expired items (``ttl`` passed, not yet swept by DynamoDB) count as absent, as they do on every read.
    """

    def __init__(self, now: int) -> None:
        self.names: dict[str, str] = {"#pk": "pk", "#ttl": TTL_ATTRIBUTE}
        self.values: dict[str, Any] = {":now": {"N": str(now)}}

    def value(self, name: str, python_value: int) -> str:
        self.values[name] = {"N": str(python_value)}
        return name

    def condition(self, condition: Condition) -> str:
        live = "(attribute_not_exists(#ttl) OR #ttl > :now)"
        if isinstance(condition, MustNotExist):
            return "(attribute_not_exists(#pk) OR #ttl <= :now)"
        if isinstance(condition, MustExist):
            return f"(attribute_exists(#pk) AND {live})"
        if isinstance(condition, ExpectedVersion):
            self.names["#version"] = "version"
            return f"(#version = {self.value(':expected', condition.version)} AND {live})"
        assert isinstance(condition, AttributeAtMost)
        self.names["#guard"] = condition.name
        bound = self.value(":guard", condition.value)
        if condition.value >= 0:  # an absent or expired item, or a missing attribute, counts as 0: it passes
            return f"(attribute_not_exists(#pk) OR #ttl <= :now OR attribute_not_exists(#guard) OR #guard <= {bound})"
        return f"(attribute_exists(#guard) AND {live} AND #guard <= {bound})"

    def kwargs(self, condition: Condition | None) -> dict[str, Any]:
        """``ConditionExpression`` and the placeholders it uses, or nothing without a condition."""
        if condition is None:
            return {}
        expression = self.condition(condition)
        used_names = {k: v for k, v in self.names.items() if k in expression}
        used_values = {k: v for k, v in self.values.items() if k in expression}
        out: dict[str, Any] = {"ConditionExpression": expression, "ExpressionAttributeNames": used_names}
        if used_values:
            out["ExpressionAttributeValues"] = used_values
        return out
