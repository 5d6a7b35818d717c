"""Issue 7 item 6: the README's own command works on a fresh demo, the EQ fund included."""

from __future__ import annotations

import datetime as dt
import io
import json
import shlex
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from demo.loader import DEMO, DemoSetup, load_demo
from organization.models import Assignment
from rewards import services
from rewards.models import Fund, FundKind

# The demo as `load_demo` installs it, limited to the Unione del Sorbara of the README.
SORBARA = DemoSetup(
    data_dir=DEMO.data_dir,
    enti=tuple(ente for ente in DEMO.enti if ente.slug == "unione-sorbara"),
    platform_admins=(),
)


@pytest.fixture
def demo(db):
    assert SORBARA.enti
    load_demo(setup=SORBARA)


def _readme_commands() -> list[list[str]]:
    prefix = ".venv/bin/python manage.py distribute_premiums "
    lines = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8").splitlines()
    return [shlex.split(line[len(prefix) :]) for line in lines if line.startswith(prefix)]


def test_every_distribute_premiums_line_of_the_readme_runs_on_the_demo(demo):
    commands = _readme_commands()
    assert commands
    for arguments in commands:
        out = io.StringIO()
        call_command("distribute_premiums", *arguments, stdout=out)
        assert out.getvalue().strip(), arguments


def test_the_readme_command_runs_on_the_demo(demo):
    out = io.StringIO()
    call_command(
        "distribute_premiums",
        "--ente",
        "unione-sorbara",
        "--year",
        "2024",
        "--preview",
        "--format",
        "json",
        stdout=out,
    )
    payload = json.loads(out.getvalue())
    kinds = {d["distribution"]["fund"]["kind"]: d for d in payload["distributions"]}
    assert set(kinds) == {FundKind.INDIVIDUAL, FundKind.EQ_RESULT}
    eq = kinds[FundKind.EQ_RESULT]
    assert eq["parameters"]["position_allowances"]["comandante-pl"] == "16000"
    assert sum(Decimal(v) for v in eq["parameters"]["position_allowances"].values()) == 80000


def test_the_allowance_counts_for_the_part_of_the_year_it_covers(demo):
    assignment = Assignment.objects.get(
        person__key="comandante-pl", person__ente__slug="unione-sorbara"
    )
    assignment.position_allowance_start = dt.date(2024, 7, 1)
    assignment.save()
    fund = Fund.objects.get(ente__slug="unione-sorbara", year=2024, kind=FundKind.EQ_RESULT)
    allowances = services.distribution_parameters_default(fund)["position_allowances"]
    # 184 days of 366 in 2024.
    assert allowances["comandante-pl"] == (Decimal(16000) * 184 / 366).quantize(Decimal("0.01"))
    assert services.distribution_parameter_sources(fund)["position_allowances"].startswith(
        "retribuzioni di posizione delle assegnazioni"
    )
