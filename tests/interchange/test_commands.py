"""The `import_cycle` and `export_cycle` management commands."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from interchange import spec
from interchange.exporter import dumps
from interchange.management.commands.import_cycle import Command as ImportCommand
from organization.models import Ente
from planning.models import Cycle
from tests.interchange.documents import rich_document


def _write(tmp_path, document, name="piano.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_import_prints_a_summary(db, tmp_path):
    out = io.StringIO()
    call_command("import_cycle", str(_write(tmp_path, rich_document())), stdout=out)
    assert out.getvalue() == "Importato: Unione Val di Prova 2024 – 3 obiettivi, 12 indicatori\n"


def test_import_refusal_lists_every_problem_on_stderr(db, tmp_path):
    document = rich_document()
    document["cycle"]["objectives"][1]["weight"] = "11,11"
    document["cycle"]["objectives"][0]["wieght"] = "30"
    err = io.StringIO()
    with pytest.raises(CommandError, match="2 problemi"):
        call_command("import_cycle", str(_write(tmp_path, document)), stderr=err)
    assert err.getvalue().splitlines() == [
        "$.cycle.objectives[0].wieght: campo non previsto",
        '$.cycle.objectives[1].weight: "11,11" non è un numero decimale (usare il punto)',
    ]
    assert Ente.objects.count() == 0


def test_import_exits_with_status_1_on_error(db, tmp_path, capsys):
    document = rich_document()
    document["version"] = 9
    with pytest.raises(SystemExit) as caught:
        ImportCommand().run_from_argv(
            ["manage.py", "import_cycle", str(_write(tmp_path, document))]
        )
    assert caught.value.code == 1
    assert "$.version: versione 9 non supportata" in capsys.readouterr().err


def test_import_replace_option(db, tmp_path):
    path = _write(tmp_path, rich_document())
    call_command("import_cycle", str(path), stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("import_cycle", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    call_command("import_cycle", str(path), "--replace", stdout=io.StringIO())
    assert Cycle.objects.count() == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"format": ', "JSON non valido alla riga 1"),
        (b"\xff\xfe", "non è in codifica UTF-8"),
    ],
)
def test_import_of_an_unreadable_file(db, tmp_path, content, message):
    path = tmp_path / "rotto.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        call_command("import_cycle", str(path))


def test_import_of_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="File non trovato"):
        call_command("import_cycle", str(tmp_path / "assente.json"))


def test_export_to_stdout_and_to_a_file(db, tmp_path):
    call_command("import_cycle", str(_write(tmp_path, rich_document())), stdout=io.StringIO())
    expected = dumps(spec.canonical(rich_document()))
    out = io.StringIO()
    call_command("export_cycle", "--ente", "unione-val-prova", "--year", "2024", stdout=out)
    assert out.getvalue() == expected
    target = tmp_path / "uscita.json"
    call_command("export_cycle", str(target), ente="unione-val-prova", year=2024)
    assert target.read_text(encoding="utf-8") == expected


def test_export_of_an_unknown_ente_or_year(db, tmp_path):
    with pytest.raises(CommandError, match='Ente "nessuno" non trovato'):
        call_command("export_cycle", ente="nessuno", year=2024)
    call_command("import_cycle", str(_write(tmp_path, rich_document())), stdout=io.StringIO())
    with pytest.raises(CommandError, match=r"non ha un ciclo 2030 \(cicli presenti: 2024\)"):
        call_command("export_cycle", ente="unione-val-prova", year=2030)
