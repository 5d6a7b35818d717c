"""Hostile and malformed input is turned away with Italian messages, before the database."""

from __future__ import annotations

import copy
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core import limits
from core.exceptions import ServiceError
from interchange.importer import InterchangeError, import_cycle
from measurement.forms import SmvpSettingsForm
from organization.models import Ente, EnteKind
from planning.models import Cycle, OperationalObjective

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "demo" / "data" / "unione-casalbuttano-2021.json"
DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_json_never_reaches_the_parser():
    assert limits.json_depth_exceeded(DEEP)
    assert not limits.json_depth_exceeded('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}')
    with pytest.raises(ServiceError, match="livelli di annidamento"):
        limits.loads_json(DEEP)
    with pytest.raises(ServiceError, match="non è JSON valido"):
        limits.loads_json('{"x": NaN}')


def test_import_cycle_refuses_deep_nesting(tmp_path, db):
    path = tmp_path / "profondo.json"
    path.write_text(DEEP, encoding="utf-8")
    with pytest.raises(CommandError, match="livelli di annidamento"):
        call_command("import_cycle", str(path), stdout=io.StringIO())


def test_a_huge_headcount_is_refused_with_the_field_name(db):
    document = json.loads(DEMO.read_text(encoding="utf-8"))
    document = copy.deepcopy(document)
    document["ente"]["headcount"] = 10**30
    with pytest.raises(InterchangeError) as refused:
        import_cycle(document)
    assert "umero di dipendenti" in " ".join(refused.value.errors)
    assert not Ente.objects.filter(slug=document["ente"]["slug"]).exists()


def test_smvp_advanced_settings_refuse_deep_json():
    form = SmvpSettingsForm(
        data={"method": "x", "advanced": '{"a":' * 5000 + "1" + "}" * 5000},
        current={},
    )
    assert not form.is_valid()
    assert "troppo annidato" in " ".join(form.errors["advanced"])


@pytest.fixture
def objective(make_ente):
    ente = make_ente("limiti", kind=EnteKind.COMUNE)
    cycle = Cycle.objects.create(ente=ente, year=2025, first_year=2025, last_year=2027)
    return OperationalObjective.objects.create(cycle=cycle, key="ob1", title="Obiettivo")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("title", "x" * 1_000_000, "Titolo: al massimo 20000 caratteri"),
        ("code", "x" * 31, "Codice: al massimo 30 caratteri"),
        ("deadline", dt.date(1, 1, 1), "non è plausibile"),
        ("weight", Decimal("1e309"), "troppo grande"),
        ("weight", Decimal("Infinity"), "non è finito"),
        ("order", 10**30, "fuori dai valori ammessi"),
        ("tags", json.loads("[" * 40 + "]" * 40), "livelli di annidamento"),
        ("description", "testo\x00nullo", "caratteri non ammessi"),
    ],
)
def test_rows_beyond_the_limits_are_refused_naming_the_field(objective, field, value, message):
    setattr(objective, field, value)
    with pytest.raises(ServiceError, match=message) as refused:
        objective.save()
    assert refused.value.field == field


def test_the_services_report_the_limit_as_a_form_error(objective, make_user):
    from planning.services import objective_update

    with pytest.raises(ServiceError) as refused:
        objective_update(user=None, objective=objective, data={"title": "y" * 50_000})
    assert refused.value.field == "title"
    assert OperationalObjective.objects.get(pk=objective.pk).title == "Obiettivo"


@pytest.mark.parametrize("text", ["١٢٣", "۱۲۳", "１２３"])
def test_non_ascii_digits_are_refused_by_the_number_parser(text):
    from engine.numbers import parse_number

    with pytest.raises(ValueError):
        parse_number(text)
