"""DynamoDB adapter of the storage port: the production engine.

One table (see ``chalicelib.store.schema``), two GSIs, ``TransactWriteItems`` with conditions, conditional ``ADD``
counters and a TTL attribute. Expired items are filtered on read because DynamoDB's TTL sweeper may lag by days;
conditions treat them as absent for the same reason. Numbers are written and read as integers only (the port
refuses floats and ``Decimal``), so nothing is lost between backends.

botocore errors stop here: throttling and timeouts become ``Unavailable`` (retryable), failed conditions
``ConditionFailed`` (with the failing operation of a transaction), anything else ``StoreError``, always
``raise ... from exc`` so logs keep the cause and clients never see it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.core.clock import Clock, SystemClock, epoch
from chalicelib.core.errors import Unavailable
from chalicelib.store.dynamodb_items import Expression, dump_item, load_item, serialize
from chalicelib.store.port import (
    INDEX_KEYS,
    Check,
    Condition,
    ConditionFailed,
    Delete,
    Increment,
    IndexName,
    Item,
    Operation,
    Page,
    Put,
    StoreError,
    cursor_fields,
    decode_cursor,
    encode_cursor,
    validate_item,
    validate_operations,
    validate_query,
)
from chalicelib.store.schema import TTL_ATTRIBUTE, create_table_kwargs

_TRANSIENT = {
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "RequestLimitExceeded",
    "InternalServerError",
    "ServiceUnavailable",
    "TransactionConflictException",
    "TransactionInProgressException",
}
def error_code(exc: ClientError) -> str:
    """The DynamoDB error code of a botocore ``ClientError``."""
    return str(exc.response.get("Error", {}).get("Code", ""))


class DynamoStore:
    """The storage port on one DynamoDB table, through a low-level boto3 client."""

    def __init__(self, client: Any, table_name: str, clock: Clock | None = None) -> None:
        self._client = client
        self._table = table_name
        self._clock = clock or SystemClock()

    def create_table(self) -> None:
        """Create the table and enable TTL (local emulators and tests; deployments use the template)."""
        with self._translate():
            self._client.create_table(**create_table_kwargs(self._table))
            self._client.get_waiter("table_exists").wait(TableName=self._table)
            self._client.update_time_to_live(
                TableName=self._table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )

    def _now(self) -> int:
        return epoch(self._clock.now())

    def _live(self, item: Item) -> bool:
        ttl = item.get("ttl")
        return ttl is None or ttl > self._now()

    @staticmethod
    def _key(pk: str, sk: str) -> dict[str, Any]:
        return {"pk": {"S": pk}, "sk": {"S": sk}}

    # -- reads ------------------------------------------------------------------------------------------------

    def get(self, pk: str, sk: str) -> Item | None:
        with self._translate():
            raw = self._client.get_item(TableName=self._table, Key=self._key(pk, sk), ConsistentRead=True)
        item = load_item(raw["Item"]) if "Item" in raw else None
        return item if item is not None and self._live(item) else None

    def batch_get(self, keys: Sequence[tuple[str, str]]) -> list[Item]:
        found: dict[tuple[str, str], Item] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 100):
            request = {
                self._table: {"Keys": [self._key(pk, sk) for pk, sk in unique[start : start + 100]],
                              "ConsistentRead": True}
            }
            while request:
                with self._translate():
                    raw = self._client.batch_get_item(RequestItems=request)
                for r in raw.get("Responses", {}).get(self._table, []):
                    item = load_item(r)
                    if self._live(item):
                        found[(item["pk"], item["sk"])] = item
                request = raw.get("UnprocessedKeys") or {}
        return [found[k] for k in keys if k in found]

    def query(
        self,
        pk: str,
        *,
        index: IndexName | None = None,
        prefix: str | None = None,
        start: str | None = None,
        end: str | None = None,
        forward: bool = True,
        limit: int = 100,
        cursor: str | None = None,
    ) -> Page:
        validate_query(limit, prefix, start, end)
        pk_attr, sk_attr = INDEX_KEYS[index] if index else ("pk", "sk")
        kwargs = self._query_kwargs(pk, index, pk_attr, sk_attr, prefix, start, end, forward)
        if cursor:
            position = decode_cursor(cursor, pk_field=pk_attr, pk=pk, fields=cursor_fields(index))
            kwargs["ExclusiveStartKey"] = {k: {"S": v} for k, v in position.items()}
        items: list[Item] = []
        # Ask for one more than needed so the cursor is exact: it is only issued when a next item exists.
        while len(items) <= limit:
            kwargs["Limit"] = limit + 1 - len(items)
            with self._translate():
                raw = self._client.query(**kwargs)
            items += [load_item(r) for r in raw.get("Items", [])]
            if "LastEvaluatedKey" not in raw:
                break
            kwargs["ExclusiveStartKey"] = raw["LastEvaluatedKey"]
        page, more = items[:limit], len(items) > limit
        next_cursor = encode_cursor({f: page[-1][f] for f in cursor_fields(index)}) if more else None
        return Page(items=page, next_cursor=next_cursor)

    def _query_kwargs(
        self,
        pk: str,
        index: IndexName | None,
        pk_attr: str,
        sk_attr: str,
        prefix: str | None,
        start: str | None,
        end: str | None,
        forward: bool,
    ) -> dict[str, Any]:
        names = {"#p": pk_attr, "#s": sk_attr, "#ttl": TTL_ATTRIBUTE}
        values: dict[str, Any] = {":p": {"S": pk}, ":now": {"N": str(self._now())}}
        key_expr = ["#p = :p"]
        if prefix:
            key_expr.append("begins_with(#s, :prefix)")
            values[":prefix"] = {"S": prefix}
        if start is not None and end is not None:
            key_expr.append("#s BETWEEN :start AND :end")
            values.update({":start": {"S": start}, ":end": {"S": end}})
        elif start is not None:
            key_expr.append("#s >= :start")
            values[":start"] = {"S": start}
        elif end is not None:
            key_expr.append("#s <= :end")
            values[":end"] = {"S": end}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": " AND ".join(key_expr),
            "FilterExpression": "attribute_not_exists(#ttl) OR #ttl > :now",
            "ExpressionAttributeNames": {k: v for k, v in names.items() if k != "#s" or len(key_expr) > 1},
            "ExpressionAttributeValues": values,
            "ScanIndexForward": forward,
        }
        if index:
            kwargs["IndexName"] = index
        else:
            kwargs["ConsistentRead"] = True
        return kwargs

    # -- writes -----------------------------------------------------------------------------------------------

    def put(self, item: Item, condition: Condition | None = None) -> None:
        validate_item(item)
        kwargs = Expression(self._now()).kwargs(condition)
        with self._translate():
            self._client.put_item(TableName=self._table, Item=dump_item(item), **kwargs)

    def delete(self, pk: str, sk: str, condition: Condition | None = None) -> None:
        kwargs = Expression(self._now()).kwargs(condition)
        with self._translate():
            self._client.delete_item(TableName=self._table, Key=self._key(pk, sk), **kwargs)

    def increment(
        self,
        pk: str,
        sk: str,
        attribute: str,
        by: int = 1,
        *,
        at_most: int | None = None,
        at_least: int | None = None,
        ttl: int | None = None,
    ) -> int:
        op = Increment(pk, sk, attribute, by, at_most=at_most, at_least=at_least, ttl=ttl)
        try:
            return self._add(op)
        except ConditionFailed:
            if not self._drop_if_expired(pk, sk):
                raise
            return self._add(op)  # the counter had expired: it starts over, as an absent one would

    def _add(self, op: Increment) -> int:
        update = self._increment_update(op, require_live=True)
        with self._translate():
            raw = self._client.update_item(TableName=self._table, Key=self._key(op.pk, op.sk),
                                           ReturnValues="ALL_NEW", **update)
        return int(raw["Attributes"][op.attribute]["N"])

    def _drop_if_expired(self, pk: str, sk: str) -> bool:
        """Delete the item if its TTL has passed (DynamoDB's sweeper may lag); whether it was expired."""
        with self._translate():
            raw = self._client.get_item(TableName=self._table, Key=self._key(pk, sk), ConsistentRead=True)
        item = load_item(raw["Item"]) if "Item" in raw else None
        if item is None or self._live(item):
            return False
        try:
            with self._translate():
                self._client.delete_item(TableName=self._table, Key=self._key(pk, sk),
                                         ConditionExpression="#ttl <= :now",
                                         ExpressionAttributeNames={"#ttl": TTL_ATTRIBUTE},
                                         ExpressionAttributeValues={":now": {"N": str(self._now())}})
        except ConditionFailed:
            pass  # renewed meanwhile: the retried increment decides
        return True

    def _increment_update(self, op: Increment, require_live: bool = False) -> dict[str, Any]:
        names = {"#a": op.attribute}
        values: dict[str, Any] = {":by": {"N": str(op.by)}}
        sets = []
        if op.ttl is not None:
            names["#ttl"] = TTL_ATTRIBUTE
            values[":ttl"] = {"N": str(op.ttl)}
            sets.append("#ttl = :ttl")
        for i, (name, value) in enumerate(op.fields.items()):
            names[f"#f{i}"] = name
            values[f":f{i}"] = serialize(value)
            sets.append(f"#f{i} = if_not_exists(#f{i}, :f{i})")
        conditions = []
        for bound, ok_when_absent, cmp in (
            (op.at_most, op.at_most is not None and op.by <= op.at_most, "<="),
            (op.at_least, op.at_least is not None and op.by >= op.at_least, ">="),
        ):
            if bound is None:
                continue
            placeholder = ":max" if cmp == "<=" else ":min"
            values[placeholder] = {"N": str(bound - op.by)}
            absent = "attribute_not_exists(#a) OR " if ok_when_absent else ""
            conditions.append(f"({absent}#a {cmp} {placeholder})")
        adds = ["#a :by"]
        for i, (name, by) in enumerate(op.also):
            names[f"#x{i}"] = name
            values[f":x{i}"] = {"N": str(by)}
            adds.append(f"#x{i} :x{i}")
        expression = "ADD " + ", ".join(adds) + (" SET " + ", ".join(sets) if sets else "")
        out: dict[str, Any] = {
            "UpdateExpression": expression,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if require_live:
            names["#ttl"] = TTL_ATTRIBUTE
            values[":now"] = {"N": str(self._now())}
            conditions.append("(attribute_not_exists(#ttl) OR #ttl > :now)")
        if conditions:
            out["ConditionExpression"] = " AND ".join(conditions)
        return out

    def writer(self) -> AbstractContextManager[None]:
        """Nothing to hold: DynamoDB writers cannot take turns across Lambda instances, so a use case whose
        precondition moved meanwhile is retried with backoff (``chalicelib.store.unit.retrying``)."""
        return nullcontext()

    def transact(self, operations: Sequence[Operation]) -> None:
        validate_operations(operations)
        items = [self._transact_item(op) for op in operations]
        with self._translate():
            self._client.transact_write_items(TransactItems=items)

    def _transact_item(self, op: Operation) -> dict[str, Any]:
        base = {"TableName": self._table}
        if isinstance(op, Increment):
            key = self._key(op.pk, op.sk)
            return {"Update": {**base, "Key": key, **self._increment_update(op)}}
        cond = Expression(self._now()).kwargs(op.condition)
        if isinstance(op, Put):
            return {"Put": {**base, "Item": dump_item(op.item), **cond}}
        if isinstance(op, Delete):
            return {"Delete": {**base, "Key": self._key(op.pk, op.sk), **cond}}
        assert isinstance(op, Check)
        return {"ConditionCheck": {**base, "Key": self._key(op.pk, op.sk), **cond}}

    # -- errors -----------------------------------------------------------------------------------------------

    @contextmanager
    def _translate(self) -> Iterator[None]:
        try:
            yield
        except ClientError as exc:
            code = error_code(exc)
            if code == "ConditionalCheckFailedException":
                raise ConditionFailed() from exc
            if code == "TransactionCanceledException":
                raise _cancellation(exc) from exc
            if code in _TRANSIENT:
                raise Unavailable("the store is busy; retry", code="store_busy") from exc
            raise StoreError("the store failed") from exc
        except BotoCoreError as exc:
            raise Unavailable("the store could not be reached; retry", code="store_unreachable") from exc


def _cancellation(exc: ClientError) -> Exception:
    reasons = exc.response.get("CancellationReasons") or []
    for i, reason in enumerate(reasons):
        if reason.get("Code") == "ConditionalCheckFailed":
            return ConditionFailed(index=i)
    if any(r.get("Code") in {"TransactionConflict", "ThrottlingError"} for r in reasons):
        return Unavailable("a concurrent write touched the same items; retry", code="store_busy")
    return StoreError("the transaction was cancelled")
