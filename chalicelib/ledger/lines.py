"""The line index of the books: one small item per journal line, read by account, by journal or all together, by
date; and the line counts that answer a listing's ``total`` without reading the lines.

Key formats and access patterns:

- lines of an account by date: pk=``ORG#<org>#ACCOUNT#<code>``, sk=``<date>#<fy start>#<number:09d>#<line:03d>``
- lines of the whole journal by date: gsi1pk=``ORG#<org>#LINES``, gsi1sk = the same sort key
- lines of one journal by date: gsi2pk=``ORG#<org>#JOURNAL#<code>``, gsi2sk = the same sort key
- lines of a journal in a period: pk=``ORG#<org>#LINECOUNTS``, sk=``<Y|M|D>#<period>#<journal>`` (``lines``)
- lines of an account in a period: the ``lines`` attribute of the account's balance buckets (``repository``)
- the counts hold since the books were opened: pk=``ORG#<org>#LINECOUNTS``, sk=``#COUNTED``

A line item is an index entry, not a copy of the line: its keys say the entry (date, fiscal year, number), the line
number, the account (pk) and the journal (gsi2pk); its body holds only what range reads sum or group (amounts,
auxiliary account, VAT rate and base). Everything else (labels, piece reference, names) is read from the entry
itself, which a page joins once per entry (``joined``). Line items written before this layout carry the whole line;
they read the same way.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from chalicelib.ledger.models import Entry, EntryLine
from chalicelib.store import period_counts
from chalicelib.store.port import Increment, Item, MustNotExist, Operation, Page, Put, Store

COUNTED_SK = "#COUNTED"
_KEEP = ("debit", "credit", "aux_account", "aux_name", "vat_rate", "vat_base")


def counts_pk(org_id: str) -> str:
    return f"ORG#{org_id}#LINECOUNTS"


def line_sk(entry: Entry, line: EntryLine) -> str:
    return f"{entry.entry_date.isoformat()}#{entry.fiscal_year.isoformat()}#{entry.number:09d}#{line.line_no:03d}"


def line_item(entry: Entry, line: EntryLine) -> Item:
    sk = line_sk(entry, line)
    body = {name: value for name, value in line.model_dump(mode="json", include=set(_KEEP)).items()
            if value is not None}
    return {"pk": f"ORG#{entry.org_id}#ACCOUNT#{line.account}", "sk": sk,
            "gsi1pk": f"ORG#{entry.org_id}#LINES", "gsi1sk": sk,
            "gsi2pk": f"ORG#{entry.org_id}#JOURNAL#{entry.journal}", "gsi2sk": sk,
            "entity": "ledger_line", **body}


def line_puts(entry: Entry) -> list[Operation]:
    return [Put(line_item(entry, line), MustNotExist()) for line in entry.lines]


def query_lines(store: Store, org_id: str, *, account: str | None, journal: str | None, start: str | None,
                end: str | None, limit: int, cursor: str | None, forward: bool = True) -> Page:
    """Lines of one account, else of one journal, else of the whole journal, by date within [start, end]."""
    if account:
        pk, index = f"ORG#{org_id}#ACCOUNT#{account}", None
    elif journal:
        pk, index = f"ORG#{org_id}#JOURNAL#{journal}", "gsi2"
    else:
        pk, index = f"ORG#{org_id}#LINES", "gsi1"
    return store.query(pk, index=index, start=start, end=f"{end}~" if end else None,  # type: ignore[arg-type]
                       forward=forward, limit=limit, cursor=cursor)


# --- reading a line item ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineRef:
    """What a line item's keys say."""

    entry_date: str
    fiscal_year: str
    number: int
    line_no: int
    account: str
    journal: str

    @property
    def entry_key(self) -> tuple[str, int]:
        return self.fiscal_year, self.number


def ref(item: Item) -> LineRef:
    entry_date, fiscal_year, number, line_no = str(item["sk"]).split("#")
    return LineRef(entry_date=entry_date, fiscal_year=fiscal_year, number=int(number), line_no=int(line_no),
                   account=str(item["pk"]).rpartition("#ACCOUNT#")[2],
                   journal=str(item["gsi2pk"]).rpartition("#JOURNAL#")[2])


def entries_by_key(store: Store, org_id: str, keys: Iterable[tuple[str, int]]) -> dict[tuple[str, int], Item]:
    """The entry items of (fiscal year start, number) keys, read in batches."""
    wanted = list(dict.fromkeys(keys))
    found: dict[tuple[str, int], Item] = {}
    for first in range(0, len(wanted), 100):
        batch = [(f"ORG#{org_id}#LEDGER#{fy}", f"E#{number:09d}") for fy, number in wanted[first:first + 100]]
        for item in store.batch_get(batch):
            found[(str(item["fiscal_year"]), int(item["number"]))] = item
    return found


def joined(store: Store, org_id: str, items: Sequence[Item]) -> Iterator[tuple[LineRef, Item, Item]]:
    """Each line item with its entry and the entry's line: (what the keys say, the line, the entry)."""
    refs = [ref(item) for item in items]
    entries = entries_by_key(store, org_id, (r.entry_key for r in refs))
    for line_ref in refs:
        entry = entries.get(line_ref.entry_key)
        if entry is None:  # the line and its entry are written in one transaction
            raise LookupError(f"entry {line_ref.entry_key} of a line index item is missing")
        yield line_ref, entry["lines"][line_ref.line_no - 1], entry


# --- counts -------------------------------------------------------------------------------------------------------


def journal_counts(org_id: str, entries: Iterable[Entry]) -> list[Operation]:
    """The journal line counts of ``entries``, one increment per period bucket and journal."""
    sums: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        for bucket in period_counts.bucket_keys(entry.entry_date):
            sums[(bucket, entry.journal)] += len(entry.lines)
    return [Increment(counts_pk(org_id), f"{bucket}#{journal}", "lines", n,
                      fields={"entity": "ledger_line_count", "journal": journal})
            for (bucket, journal), n in sums.items()]


def counted_mark(org_id: str) -> Put:
    """Written with the books' first settings (and by a restore): from then on every count is kept."""
    return Put({"pk": counts_pk(org_id), "sk": COUNTED_SK, "entity": "ledger_line_counts"})


def counts_kept(store: Store, org_id: str) -> bool:
    return store.get(counts_pk(org_id), COUNTED_SK) is not None
