"""The matching engine: the guide's scoring, the optimal assignment, grouped matches, the candidate index."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.banking.matching import Doc, DocIndex, Txn, reconcile, score, suggestions
from chalicelib.banking.matching.assign import Pair, _greedy, assign
from chalicelib.banking.matching.groups import subsets

DAY = dt.date(2026, 3, 10)


def uid() -> str:
    return uuid.uuid4().hex[:12]


def txn(amount: str, label: str = "VIR SEPA RECU", day: dt.date = DAY, **more: str) -> Txn:
    return Txn(id=uid(), booking_date=day, amount=Decimal(amount), label=label, **more)


def invoice(amount: str, number: str = "FA-2026-0001", day: dt.date = DAY, party: str = "SARL Dupont",
            due: dt.date | None = None) -> Doc:
    return Doc(id=uid(), kind="invoice", open_amount=Decimal(amount), date=day, due_date=due, number=number,
               party_id="c-" + party, party_name=party)


def expense(amount: str, supplier: str = "EDF", day: dt.date = DAY, number: str | None = None) -> Doc:
    return Doc(id=uid(), kind="expense", open_amount=Decimal(amount), date=day, number=number, party_name=supplier)


# --- scoring --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("paid", "points"), [("1200.00", 50), ("1200.01", 50), ("1199.99", 50), ("1188.00", 40),
                                              ("1212.00", 40), ("1140.00", 20), ("1260.00", 20), ("1139.99", 0),
                                              ("1260.01", 0)])
def test_amount_points_follow_the_guide(paid: str, points: int) -> None:
    assert score(txn(paid, "X"), invoice("1200.00", number="Z")).amount == points


@pytest.mark.parametrize(("days", "points"), [(0, 30), (1, 25), (-1, 25), (2, 20), (3, 20), (4, 10), (7, 10),
                                              (8, 0), (-30, 0)])
def test_date_points_follow_the_guide(days: int, points: int) -> None:
    assert score(txn("10", "X", day=DAY + dt.timedelta(days=days)), invoice("10", number="Z")).date == points


def test_date_points_use_the_closest_of_the_date_and_the_due_date() -> None:
    doc = invoice("10", number="Z", day=DAY - dt.timedelta(days=30), due=DAY + dt.timedelta(days=1))
    assert score(txn("10", "X"), doc).date == 25


def test_reference_in_the_label_scores_20_whatever_its_punctuation() -> None:
    assert score(txn("10", "VIR /MOTIF fa 2026.0001"), invoice("99", "FA-2026-0001")).reference == 20


def test_a_partial_reference_scores_10() -> None:
    assert score(txn("10", "FACTURE 20260001"), invoice("99", "FA-2026-0001")).reference == 10
    assert score(txn("10", "FACTURE 2026"), invoice("99", "FA-2026-0001")).reference == 0


def test_the_party_name_without_its_legal_form_scores_5() -> None:
    assert score(txn("10", "VIR DUPONT"), invoice("99", party="SARL Dupont")).name == 5
    assert score(txn("10", "VIR DURAND"), invoice("99", party="SARL Dupont")).name == 0


def test_the_total_adds_the_parts_up_to_100() -> None:
    parts = score(txn("1200", "VIR SARL DUPONT FA-2026-0001"), invoice("1200"))
    assert (parts.amount, parts.date, parts.reference, parts.name, parts.total) == (50, 30, 20, 5, 100)


def test_a_debit_never_scores_against_an_invoice_nor_a_credit_against_an_expense() -> None:
    assert score(txn("-1200", "FA-2026-0001 DUPONT"), invoice("1200")).total == 0
    assert score(txn("64.20", "EDF"), expense("64.20")).total == 0
    assert score(txn("-64.20", "PRLV EDF"), expense("64.20")).total == 85


# --- index ----------------------------------------------------------------------------------------------------

def test_the_index_finds_documents_within_five_percent_and_by_number_only() -> None:
    near, far, numbered = invoice("100.00", "A-1"), invoice("200.00", "B-2"), invoice("999.00", "FA-2026-0777")
    index = DocIndex([near, far, numbered])
    t = txn("104.99", "VIR FA20260777")
    from chalicelib.banking.matching.scoring import txn_text

    assert {d.id for d in index.candidates(t, txn_text(t))} == {near.id, numbered.id}


def test_the_index_misses_no_pair_that_scores_50_or_more() -> None:
    docs = [invoice(f"{a}.00", f"FA-2026-{n:04d}", day=DAY + dt.timedelta(days=n % 9)) for n, a in
            enumerate([100, 103, 96, 250, 1000, 1049, 10, 11], start=1)]
    txns = [txn(f"{a}.00", f"VIR FA-2026-{n:04d}", day=DAY + dt.timedelta(days=n % 5)) for n, a in
            enumerate([100, 250, 40, 1050, 10], start=2)]
    index = DocIndex(docs)
    from chalicelib.banking.matching.scoring import txn_text

    for t in txns:
        found = {d.id for d in index.candidates(t, txn_text(t))}
        assert {d.id for d in docs if score(t, d).total >= 50} <= found


# --- assignment -----------------------------------------------------------------------------------------------

def test_the_assignment_is_optimal_where_greedy_is_not() -> None:
    # t1 scores 90 with d1 and 85 with d2; t2 scores 80 with d1 only: greedy takes (t1, d1) and strands t2
    t1, t2 = txn("100", "X"), txn("100", "Y")
    d1, d2 = invoice("100", "Z1"), invoice("100", "Z2")
    from chalicelib.banking.matching.model import ScoreParts

    pairs = [Pair(t1, d1, ScoreParts(50, 30, 10)), Pair(t1, d2, ScoreParts(50, 30, 5)),
             Pair(t2, d1, ScoreParts(50, 30))]
    assert {(p.txn.id, p.doc.id) for p in assign(pairs)} == {(t1.id, d2.id), (t2.id, d1.id)}
    assert len(_greedy(pairs)) == 1


def test_equal_amounts_go_to_the_closest_dates() -> None:
    docs = [invoice("500", f"N{n}", day=DAY + dt.timedelta(days=n), party="X") for n in range(3)]
    txns = [txn("500", "VIR", day=DAY + dt.timedelta(days=n)) for n in (2, 0, 1)]
    result = reconcile(txns, docs)
    paired = {(m.txn_ids[0], m.doc_ids[0]) for m in result.auto}
    assert paired == {(txns[0].id, docs[2].id), (txns[1].id, docs[0].id), (txns[2].id, docs[1].id)}


# --- reconcile ------------------------------------------------------------------------------------------------

def test_exact_payment_is_automatic_and_a_close_one_is_suggested() -> None:
    exact, close = invoice("1200.00", "FA-2026-0001"), invoice("800.00", "FA-2026-0002", party="Durand")
    t_exact = txn("1200.00", "VIR SARL DUPONT FA-2026-0001")
    t_close = txn("795.00", "VIR RECU", day=DAY + dt.timedelta(days=5))  # 40 + 10: a suggestion
    result = reconcile([t_exact, t_close], [exact, close])
    assert [(m.txn_ids, m.doc_ids, m.kind) for m in result.auto] == [((t_exact.id,), (exact.id,), "auto")]
    assert [(m.txn_ids, m.doc_ids) for m in result.suggested] == [((t_close.id,), (close.id,))]
    assert result.left == []
    assert result.auto[0].allocations[0].amount == Decimal("1200.00")


def test_a_transfer_larger_than_the_invoice_is_only_suggested() -> None:
    doc = invoice("100.00")
    result = reconcile([txn("100.01", "VIR FA-2026-0001 DUPONT")], [doc])
    assert result.auto == [] and result.suggested[0].doc_ids == (doc.id,)


def test_one_transfer_paying_three_invoices_of_one_client_is_one_match() -> None:
    docs = [invoice(a, f"FA-2026-00{n}") for n, a in ((11, "120.00"), (12, "340.50"), (13, "89.50"),
                                                     (14, "1000.00"))]
    other = invoice("120.00", "FA-2026-0099", party="Durand")
    t = txn("550.00", "VIR SARL DUPONT FACTURES 11 12 13")
    result = reconcile([t], [*docs, other])
    assert len(result.auto) == 1
    match = result.auto[0]
    assert set(match.doc_ids) == {docs[0].id, docs[1].id, docs[2].id}
    assert sum(a.amount for a in match.allocations) == Decimal("550.00")


def test_three_instalments_paying_one_invoice_are_one_match() -> None:
    doc = invoice("900.00", "FA-2026-0042")
    parts = [txn(a, "VIR ECHEANCE FA-2026-0042", day=DAY + dt.timedelta(days=d)) for a, d in
             (("300.00", 0), ("300.00", 30), ("300.00", 60))]
    result = reconcile(parts, [doc])
    assert [set(m.txn_ids) for m in result.auto] == [{t.id for t in parts}]
    assert result.auto[0].parts.reference == 20


def test_debits_are_matched_to_expenses() -> None:
    edf = expense("64.20", "EDF")
    result = reconcile([txn("-64.20", "PRLV SEPA EDF")], [edf, invoice("64.20")])
    assert result.auto[0].doc_ids == (edf.id,)


def test_nothing_in_reach_is_left() -> None:
    t = txn("12.34", "CB BOULANGERIE")
    result = reconcile([t], [invoice("1000")])
    assert (result.auto, result.suggested, result.left) == ([], [], [t.id])


def test_suggestions_rank_every_candidate_with_its_parts() -> None:
    best, other = invoice("1200.00", "FA-2026-0001"), invoice("1190.00", "FA-2026-0002")
    t = txn("1200.00", "VIR DUPONT FA-2026-0001")
    found = suggestions(t, DocIndex([other, best]))
    assert [m.doc_ids[0] for m in found] == [best.id, other.id]
    assert (found[0].parts.amount, found[0].parts.date, found[0].parts.reference) == (50, 30, 20)
    assert found[0].kind == "auto"


def test_subsets_find_the_amounts_adding_up_to_the_target() -> None:
    assert sorted(subsets([100, 250, 150, 40, 110], 400)) == [(0, 2, 3, 4), (1, 2), (1, 3, 4)]
    assert subsets([100, 200], 301, tolerance=1) == [(0, 1)]
    assert subsets([100, 200], 301) == []
    assert subsets([100, 200], 303) == []


# --- properties -----------------------------------------------------------------------------------------------

amounts = st.decimals(min_value=Decimal("1.00"), max_value=Decimal("5000.00"), places=2)


@settings(max_examples=60, deadline=None)
@given(st.lists(amounts, min_size=1, max_size=12), st.lists(amounts, min_size=1, max_size=12),
       st.lists(st.integers(min_value=0, max_value=20), min_size=24, max_size=24))
def test_a_run_never_uses_a_document_or_a_transaction_twice_and_allocates_exactly(
        paid: list[Decimal], owed: list[Decimal], days: list[int]) -> None:
    txns = [Txn(id=f"t{i}", booking_date=DAY + dt.timedelta(days=days[i]), amount=a, label=f"VIR FA-{i % 4}")
            for i, a in enumerate(paid)]
    docs = [Doc(id=f"d{i}", kind="invoice", open_amount=a, date=DAY + dt.timedelta(days=days[12 + i]),
                number=f"FA-{i % 4}", party_id="p", party_name="Dupont") for i, a in enumerate(owed)]
    result = reconcile(txns, docs)
    by_txn = {t.id: t for t in txns}
    by_doc = {d.id: d for d in docs}
    used_txns = [t for m in result.auto + result.suggested for t in m.txn_ids]
    used_docs = [d for m in result.auto + result.suggested for d in m.doc_ids]
    assert len(used_txns) == len(set(used_txns)) and len(used_docs) == len(set(used_docs))
    assert sorted(used_txns + result.left) == sorted(by_txn)
    for match in result.auto:
        assert match.parts.total >= 70
        for txn_id in match.txn_ids:
            assert sum(a.amount for a in match.allocations if a.txn_id == txn_id) == by_txn[txn_id].amount
        for doc_id in match.doc_ids:
            assert sum(a.amount for a in match.allocations if a.doc_id == doc_id) <= by_doc[doc_id].open_amount
    for match in result.suggested:
        assert match.parts.total >= 50


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(amounts, st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=400)),
                min_size=1, max_size=15),
       st.tuples(amounts, st.integers(min_value=0, max_value=15), st.integers(min_value=1, max_value=400),
                 st.sampled_from(["VIR {n}", "VIR FA-2026-{n:04d} DUPONT", "FACT 2026{n:04d}", "CB"])))
def test_the_index_misses_no_document_scoring_50_or_more(docs_spec: list[tuple[Decimal, int, int]],
                                                        txn_spec: tuple[Decimal, int, int, str]) -> None:
    from chalicelib.banking.matching.scoring import txn_text

    docs = [invoice(str(a), f"FA-2026-{n:04d}", day=DAY + dt.timedelta(days=d)) for a, d, n in docs_spec]
    amount, day, number, label = txn_spec
    t = txn(str(amount), label.format(n=number), day=DAY + dt.timedelta(days=day))
    found = {d.id for d in DocIndex(docs).candidates(t, txn_text(t))}
    assert {d.id for d in docs if score(t, d).total >= 50} <= found


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(50, 100)), min_size=1, max_size=40))
def test_the_sparse_and_the_dense_assignments_reach_the_same_total(edges: list[tuple[int, int, int]]) -> None:
    from chalicelib.banking.matching.assign import _optimal, _sparse
    from chalicelib.banking.matching.model import ScoreParts

    txns = [txn("100", f"T{i}") for i in range(8)]
    docs = [invoice("100", f"D{j}") for j in range(8)]
    unique = {(i, j): total for i, j, total in edges}
    pairs = [Pair(txns[i], docs[j], ScoreParts(amount=50, date=total - 50)) for (i, j), total in unique.items()]
    dense, sparse = _optimal(pairs), _sparse(pairs)
    assert sum(p.weight for p in dense) == sum(p.weight for p in sparse)
    assert len({p.txn.id for p in sparse}) == len(sparse) and len({p.doc.id for p in sparse}) == len(sparse)
