from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from measurement.models import MonitoringWindow

from .conftest import store

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("cycle_scores", *args, stdout=out)
    return out.getvalue()


def test_json_carries_every_score_with_its_explanation(final_values):
    data = json.loads(run("--ente", "unione-sorbara", "--year", "2025", "--format", "json"))

    assert data["ente"]["display_percent"] == "91.65"
    assert data["window"] is None
    assert len(data["indicators"]) == 7
    assert len(data["objectives"]) == 4
    depositi = next(row for row in data["indicators"] if row["key"] == "indicatore-depositi")
    assert depositi["computed"] is True
    assert depositi["formula"]["arithmetic"] == "67 / 111 × 100 = 60,36"
    assert all(row["explanation"]["text"] for row in data["indicators"])
    assert all(row["explanation"]["text"] for row in data["objectives"])


def test_a_window_gives_the_values_at_its_date(final_values):
    plan = final_values
    store(plan.controls, cycle=plan.cycle, day=dt.date(2025, 6, 30), value="12")
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=dt.date(2025, 6, 30)
    )

    data = json.loads(
        run("--ente", "unione-sorbara", "--year", "2025", "--window", "giugno", "--format", "json")
    )

    assert data["as_of"] == "2025-06-30"
    controls = next(row for row in data["indicators"] if row["key"] == "controlli-edilizi")
    assert (controls["value"], controls["display_percent"]) == ("12", "40.00")


def test_csv_has_a_header_and_a_row_per_score(final_values):
    text = run("--ente", "unione-sorbara", "--year", "2025", "--format", "csv")

    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [
        "level",
        "key",
        "code",
        "label",
        "value",
        "percent",
        "status",
        "rule",
        "explanation",
    ]
    assert rows[0]["level"] == "ente"
    assert rows[0]["percent"] == "91.65"
    controls = next(row for row in rows if row["key"] == "controlli-edilizi")
    assert controls["percent"] == "80.00"
    assert "24 / 30 × 100 = 80,00\u00a0%" in controls["explanation"]
    assert len(rows) == 1 + 3 + 4 + 7 + 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--ente", "nessuno", "--year", "2025"), "Ente «nessuno» inesistente."),
        (("--ente", "unione-sorbara", "--year", "2019"), "L'ente «unione-sorbara» non ha un "
         "ciclo 2019."),
        (("--ente", "unione-sorbara", "--year", "2025", "--window", "luglio"), "Finestra "
         "«luglio» inesistente nel ciclo 2025 (finestre: nessuna)."),
    ],
)  # fmt: skip
def test_unknown_ente_year_or_window(plan, args, message):
    with pytest.raises(CommandError) as caught:
        run(*args)
    assert str(caught.value) == message
