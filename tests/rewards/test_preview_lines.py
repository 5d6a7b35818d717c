"""The preview writes its lines without model instances and keeps them for the outputs: what it
keeps equals what the database gives back, on an ente with every kind of line (ties at the
cut-off, part-time, mid-year starts, protected leave, not admitted, negative, no score), and the
work does not grow with the number of schede."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

from django.db import connection
from django.db.models.signals import pre_init
from django.test.utils import CaptureQueriesContext

from appraisal.models import ScoreBand
from organization.models import Absence, AbsenceKind, CcnlArea
from rewards import selectors, services
from rewards.models import Distribution, DistributionLine, FundKind
from tests.rewards.builders import YEAR, make_cycle, make_member, make_scheme

SCORES = (60, 58, 58, 58, 55, 50, 45, 45, 40, 30, 20, 10)


def _varied_ente(make_ente, slug: str, people: int):
    """`people` dipendenti whose facts cycle through every case a line can say."""
    ente = make_ente(slug)
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    for index in range(people):
        scheda = make_member(
            ente,
            cycle,
            scheme,
            f"persona-{index:03d}",
            SCORES[index % len(SCORES)],
            last_name=f"Cognome{index % 7}",
            area=(CcnlArea.ISTRUTTORI, CcnlArea.OPERATORI, CcnlArea.FUNZIONARI_EQ)[index % 3],
            part_time=("100", "50", "83.33")[index % 3],
            start=dt.date(YEAR, 7, 1) if index % 5 == 4 else None,
            eligible=index % 11 != 10,
        )
        if index % 4 == 1:
            Absence.objects.create(
                person=scheda.person,
                kind=(AbsenceKind.MATERNITY, AbsenceKind.SICKNESS)[index % 2],
                start_date=dt.date(YEAR, 3, 1),
                end_date=dt.date(YEAR, 3, 10 + index % 9),
            )
        if index % 13 == 12:
            scheda.total_points = None
            scheda.premium_percent = None
            scheda.band = None
            scheda.save()
    return ente, cycle


def _preview(ente, cycle, **parameters) -> Distribution:
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="12345.67"
    )
    return services.distribution_preview(user=None, fund=fund, cycle=cycle, parameters=parameters)


def test_the_lines_kept_equal_the_lines_stored(make_ente):
    ente, cycle = _varied_ente(make_ente, "comune-vario", 40)
    distribution = _preview(ente, cycle, cutoff_ties="share", differentiation_share_percent="25")
    kept = distribution.written_lines
    stored = list(
        DistributionLine.objects.filter(distribution=distribution)
        .select_related("person")
        .order_by(*selectors.LINES_ORDER)
    )
    assert len(kept) == len(stored) == 40
    assert {line.is_eligible for line in stored} == {True, False}
    assert any(line.bonus_amount > 0 for line in stored)
    for row, line in zip(kept, stored, strict=True):
        assert row.person_id == line.person_id
        assert row.person == (line.person.key, line.person.last_name, line.person.first_name)
        assert row.is_eligible == line.is_eligible
        for name in ("share", "base_amount", "bonus_amount", "withheld_amount", "total_amount"):
            # The same value and the same text (the CSV and the pages print str()).
            assert str(getattr(row, name)) == str(getattr(line, name)), name
        assert row.explanation == line.explanation
    fresh = Distribution.objects.get(pk=distribution.pk)
    assert fresh.written_lines is None
    assert selectors.csv_rows(distribution) == selectors.csv_rows(fresh)
    kept_outputs = selectors.distribution_outputs(distribution)
    read_outputs = selectors.distribution_outputs(fresh)
    assert kept_outputs == read_outputs


def test_the_stored_line_is_what_the_engine_computed(make_ente):
    ente, cycle = _varied_ente(make_ente, "comune-motore", 24)
    distribution = _preview(ente, cycle)
    for line in DistributionLine.objects.filter(distribution=distribution):
        facts = line.explanation
        assert Decimal(facts["total"]) == line.total_amount
        assert (
            Decimal(facts["base"]) + Decimal(facts["maggiorazione"]) - Decimal(facts["withheld"])
            == line.total_amount
        )
        if facts["exclusion"] is None:  # a paid line says its total in its data too
            assert facts["explanation"]["data"]["total"] == facts["total"]
        assert facts["person_id"] == line.person_id
    paid = sum(line.total_amount for line in distribution.written_lines)
    assert paid == distribution.total_paid
    assert distribution.total_paid + distribution.residual == Decimal("12345.67")


def _work(make_ente, slug: str, people: int) -> tuple[int, Counter]:
    """(queries, model instances by model) of one preview of an ente of `people` schede; the
    score bands aside (one instance per band the schede use, four at most)."""
    ente, cycle = _varied_ente(make_ente, slug, people)
    created = []

    def count(sender, **kwargs):
        created.append(sender)

    pre_init.connect(count)
    try:
        with CaptureQueriesContext(connection) as queries:
            _preview(ente, cycle)
    finally:
        pre_init.disconnect(count)
    return len(queries), Counter(model.__name__ for model in created if model is not ScoreBand)


def test_queries_and_instances_do_not_grow_with_the_schede(make_ente):
    few = _work(make_ente, "comune-piccolo", 6)
    many = _work(make_ente, "comune-grande", 30)
    assert many == few
    assert sum(many[1].values()) < 30
