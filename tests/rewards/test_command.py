"""`manage.py distribute_premiums`: previews and final distributions as JSON or CSV."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from rewards import services
from rewards.models import Distribution, DistributionState, FundKind
from tests.rewards.builders import YEAR, validate_report


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("distribute_premiums", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_preview_as_json_stores_a_new_preview(staff_case, fund):
    out, _ = run("--ente", "comune-premi", "--year", str(YEAR), "--preview", "--format", "json")
    payload = json.loads(out)
    assert payload["ente"] == "comune-premi" and payload["year"] == YEAR
    [outputs] = payload["distributions"]
    assert outputs["distribution"]["state"] == DistributionState.PREVIEW
    assert outputs["allocated_vs_distributed"]["distributed"] == "999.99"
    assert outputs["bands"][0]["text"].startswith("Valutazione compresa tra 54 e 60 punti")
    assert Distribution.objects.filter(fund=fund, state=DistributionState.PREVIEW).count() == 1


def test_preview_as_csv_prints_the_lines(staff_case, fund):
    out, _ = run(
        "--ente",
        "comune-premi",
        "--year",
        str(YEAR),
        "--fund",
        FundKind.INDIVIDUAL,
        "--preview",
        "--format",
        "csv",
    )
    rows = list(csv.reader(io.StringIO(out)))
    assert rows[0][:3] == ["fondo", "stato", "cognome e nome"]
    assert len(rows) == 6
    totals = {row[2]: row[-1] for row in rows[1:]}
    assert totals["Bianchi Anna"] == "355.30"
    assert totals["Fabbri Elena"] == "0.00"


def test_without_preview_it_says_when_nothing_is_final(staff_case, fund):
    with pytest.raises(CommandError, match="Nessuna distribuzione definitiva"):
        run("--ente", "comune-premi", "--year", str(YEAR))


def test_without_preview_it_prints_the_final_distribution(staff_case, fund):
    validate_report(staff_case.cycle)
    draft = services.distribution_preview(user=None, fund=fund, cycle=staff_case.cycle)
    services.distribution_finalise(user=None, distribution=draft)
    services.fund_create(
        user=None,
        ente=staff_case.ente,
        year=YEAR,
        kind=FundKind.ORGANISATIONAL,
        label="Performance organizzativa",
        amount="10",
    )
    out, err = run("--ente", "comune-premi", "--year", str(YEAR), "--format", "json")
    [outputs] = json.loads(out)["distributions"]
    assert outputs["distribution"]["id"] == draft.pk
    assert outputs["distribution"]["state"] == DistributionState.FINAL
    assert "Performance organizzativa" in err and "non ha una distribuzione definitiva" in err
    csv_out, _ = run(
        "--ente",
        "comune-premi",
        "--year",
        str(YEAR),
        "--fund",
        FundKind.INDIVIDUAL,
        "--format",
        "csv",
    )
    assert csv_out.splitlines()[1].startswith(f"{FundKind.INDIVIDUAL},final,Bianchi Anna")


def test_unknown_ente_and_missing_fund(staff_case):
    with pytest.raises(CommandError, match="inesistente"):
        run("--ente", "nessuno", "--year", str(YEAR))
    with pytest.raises(CommandError, match="Nessun fondo"):
        run("--ente", "comune-premi", "--year", str(YEAR))
