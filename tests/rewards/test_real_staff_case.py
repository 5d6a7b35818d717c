"""Issue 7, the real staff scenario of a Relazione run through a public interface
(`manage.py distribute_premiums`): 20 dipendenti on a 60-point scale, a 20.000 € fund, one hire
of August (admitted, paid for the days of service) and one hire of October (79 days, below the
scheme's minimum). The figures a Nucleo checks: nothing beyond the fund, equal people paid
alike, the band table over the evaluated only, each exclusion with its own reason."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command

from rewards import services
from rewards.models import FundKind
from tests.rewards.builders import YEAR, make_cycle, make_member, make_scheme

CENT = Decimal("0.01")

# key, points, part-time %; three people share the top score.
STAFF = (
    ("ada-rossi", 58, "100"),
    ("bea-verdi", 58, "100"),
    ("ciro-neri", 58, "100"),
    ("dino-gallo", 56, "100"),
    ("ezio-costa", 55, "100"),
    ("fede-greco", 55, "50"),
    ("gina-russo", 54, "83.33"),
    ("ivo-bruno", 52, "100"),
    ("lia-moro", 50, "100"),
    ("mara-riva", 49, "100"),
    ("nino-fonti", 47, "100"),
    ("olga-sala", 45, "100"),
    ("pio-serra", 44, "100"),
    ("rita-villa", 40, "100"),
    ("sara-testa", 38, "100"),
    ("tino-pace", 36, "100"),
    ("ugo-marino", 30, "100"),
    ("vito-leone", 22, "100"),
)
AUGUST_HIRE = ("zoe-nuova", 55, dt.date(YEAR, 8, 1))
OCTOBER_HIRE = ("ermes-ultimo", 57, dt.date(YEAR, 10, 14))


@pytest.fixture
def case(make_ente):
    ente = make_ente("comune-reale", name="Comune della Relazione reale")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    scheme.minimum_service_days = 120
    scheme.save()
    for key, points, part_time in STAFF:
        make_member(ente, cycle, scheme, key, points, part_time=part_time)
    key, points, start = AUGUST_HIRE
    make_member(ente, cycle, scheme, key, points, start=start)
    key, points, start = OCTOBER_HIRE
    make_member(ente, cycle, scheme, key, points, start=start, eligible=False)
    services.fund_create(
        user=None,
        ente=ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount="20000.00",
    )
    out = io.StringIO()
    call_command(
        "distribute_premiums",
        "--ente",
        ente.slug,
        "--year",
        str(YEAR),
        "--preview",
        "--format",
        "json",
        stdout=out,
    )
    [outputs] = json.loads(out.getvalue())["distributions"]
    return outputs


def _lines(outputs):
    return {row["person_key"]: row for row in outputs["lines"]}


def test_nothing_is_distributed_beyond_the_fund(case):
    totals = [Decimal(row["total"]) for row in case["lines"]]
    distributed = Decimal(case["allocated_vs_distributed"]["distributed"])
    assert sum(totals) == distributed <= Decimal("20000.00")
    assert Decimal("20000.00") - distributed < Decimal("1.00")  # only rounding stays behind


def test_people_alike_in_everything_are_paid_alike(case):
    lines = _lines(case)
    top = {lines[key]["total"] for key in ("ada-rossi", "bea-verdi", "ciro-neri")}
    assert len(top) == 1
    assert {lines[key]["bonus"] for key in ("ada-rossi", "bea-verdi", "ciro-neri")} != {"0.00"}
    # Same score and service: the half-time colleague gets half the base premium (to the cent).
    full, half = Decimal(lines["ezio-costa"]["base"]), Decimal(lines["fede-greco"]["base"])
    assert abs(full / 2 - half) <= CENT


def test_the_august_hire_is_paid_for_the_days_of_service(case):
    lines = _lines(case)
    hire, colleague = lines["zoe-nuova"], lines["ezio-costa"]  # same 55 points
    assert hire["eligible"] is True
    days = (dt.date(YEAR, 12, 31) - AUGUST_HIRE[2]).days + 1
    assert hire["service_days"] == days
    expected = Decimal(colleague["base"]) * days / 365
    assert abs(Decimal(hire["base"]) - expected) <= Decimal("0.02")


def test_the_band_table_counts_the_evaluated_only(case):
    bands = case["bands"]
    evaluated = len(STAFF) + 1  # the August hire is admitted; the October hire is not
    assert sum(row["count"] for row in bands) == evaluated
    assert sum(Decimal(row["percent"]) for row in bands) == Decimal("100")
    top = next(row for row in bands if row["text"].startswith("Valutazione compresa tra 54"))
    assert top["count"] == 8  # 58, 58, 58, 56, 55, 55, 54 and the August hire's 55


def test_the_october_hire_is_excluded_for_the_real_reason(case):
    lines = _lines(case)
    late = lines["ermes-ultimo"]
    assert late["eligible"] is False and Decimal(late["total"]) == 0
    assert "servizio" in late["reason"]
    negative = lines["vito-leone"]
    assert negative["eligible"] is False and negative["reason"].startswith("valutazione negativa")
    # Each exclusion counted under its own reason, the negative rule next to its own count.
    assert [item["text"] for item in case["exclusions"]] == [
        "1 escluso per servizio inferiore al minimo",
        "1 escluso per valutazione negativa",
    ]
    assert (
        "1 escluso per servizio inferiore al minimo, "
        "1 escluso per valutazione negativa (fascia al 0\u00a0%)."
    ) in case["explanation"]
