"""Inalterability check: recompute every fiscal year's hash chain and numbering and report the first break.

For each fiscal year with entries, the entries are read in number order; each must carry the next number, the
previous entry's hash as ``prev_hash``, a ``hash`` equal to the recomputed one, and balanced lines; the last one
must be the one the fiscal year's head names (an entry removed at the end is a break too).
"""

from __future__ import annotations

import datetime as dt

from chalicelib.ledger import repository as repo
from chalicelib.ledger.models import ChainBreak, FiscalYearCheck, Verification
from chalicelib.ledger.posting import GENESIS, entry_hash
from chalicelib.ledger.service import require_settings
from chalicelib.store.deps import Deps


def verify_books(deps: Deps, org_id: str) -> Verification:
    require_settings(deps, org_id)
    checked, years, first_break = 0, [], None
    for head in repo.heads(deps.store, org_id):
        fiscal_year = dt.date.fromisoformat(head["fiscal_year"])
        expected_number, previous, count, problem = 1, GENESIS, 0, None
        for entry in repo.entries_of_year(deps.store, org_id, fiscal_year):
            count += 1
            if entry.number != expected_number:
                problem = ChainBreak(fiscal_year=fiscal_year, number=expected_number,
                                     reason=f"entry {expected_number} is missing (found {entry.number} next)")
            elif entry.prev_hash != previous:
                problem = ChainBreak(fiscal_year=fiscal_year, number=entry.number,
                                     reason="prev_hash does not match the previous entry's hash")
            elif entry_hash(previous, entry) != entry.hash:
                problem = ChainBreak(fiscal_year=fiscal_year, number=entry.number,
                                     reason="the entry's content does not match its hash (altered)")
            elif entry.total_debit != entry.total_credit:
                problem = ChainBreak(fiscal_year=fiscal_year, number=entry.number, reason="the entry is unbalanced")
            if problem:
                break
            expected_number, previous = entry.number + 1, entry.hash
        last_number = int(head["last_number"])
        if problem is None and (expected_number - 1 != last_number or previous != head["last_hash"]):
            problem = ChainBreak(fiscal_year=fiscal_year, number=expected_number,
                                 reason=f"the fiscal year's head names entry {last_number}, the chain ends at "
                                        f"{expected_number - 1}")
        checked += count
        years.append(FiscalYearCheck(fiscal_year=fiscal_year, fiscal_year_end=head["fiscal_year_end"], entries=count,
                                     last_number=last_number, last_hash=str(head["last_hash"]),
                                     valid=problem is None))
        first_break = first_break or problem
    return Verification(valid=first_break is None, checked_entries=checked, fiscal_years=years,
                        first_break=first_break, verified_at=deps.clock.now())
