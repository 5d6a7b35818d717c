"""`manage.py import_invoices` and `manage.py payment_indicators`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from payments.models import Invoice
from tests.payments.conftest import SMALL

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice_file(tmp_path):
    path = tmp_path / "fatture.csv"
    path.write_bytes(SMALL)
    return path


def test_import_invoices_then_again(case, invoice_file):
    out = io.StringIO()
    call_command("import_invoices", str(invoice_file), ente=case.ente.slug, stdout=out)
    assert "Importate 6 fatture nuove" in out.getvalue()
    out = io.StringIO()
    call_command("import_invoices", str(invoice_file), ente=case.ente.slug, stdout=out)
    assert "invariate 6" in out.getvalue()
    assert Invoice.objects.filter(ente=case.ente).count() == 6


def test_import_invoices_dry_run_lists_the_bad_rows(case, tmp_path):
    path = tmp_path / "errata.csv"
    path.write_bytes(SMALL.replace(b"01/11/2024;01/11/2024", b"01/11/2024;31/11/2024"))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_invoices", str(path), ente=case.ente.slug, dry_run=True, stdout=out, stderr=err
    )
    assert "riga 6: Data ricezione" in err.getvalue()
    assert "5 fatture valide, 1 righe scartate" in out.getvalue()
    assert not Invoice.objects.exists()


def test_import_invoices_with_an_explicit_mapping(case, tmp_path):
    path = tmp_path / "strano.csv"
    path.write_bytes(b"Doc;Arrivo;Lordo\r\n9;01/02/2024;10,00\r\n")
    with pytest.raises(CommandError, match="data di ricezione"):
        call_command("import_invoices", str(path), ente=case.ente.slug, stdout=io.StringIO())
    call_command(
        "import_invoices",
        str(path),
        ente=case.ente.slug,
        map=["sdi_id=Doc", "received_date=Arrivo", "total=Lordo"],
        stdout=io.StringIO(),
    )
    assert Invoice.objects.get(ente=case.ente).sdi_id == "9"
    with pytest.raises(CommandError, match="campo=intestazione"):
        call_command("import_invoices", str(path), ente=case.ente.slug, map=["x"])


def test_import_invoices_refusals(case, invoice_file):
    with pytest.raises(CommandError, match="inesistente"):
        call_command("import_invoices", str(invoice_file), ente="nessuno")
    with pytest.raises(CommandError, match="non trovato"):
        call_command("import_invoices", "/non/esiste.csv", ente=case.ente.slug)


def test_payment_indicators_json_and_csv(case, invoice_file):
    call_command("import_invoices", str(invoice_file), ente=case.ente.slug, stdout=io.StringIO())
    out = io.StringIO()
    call_command(
        "payment_indicators",
        ente=case.ente.slug,
        year=2024,
        reference_date="2024-12-31",
        format="json",
        stdout=out,
    )
    data = json.loads(out.getvalue())
    assert data["ente"]["annual"]["itp"] == "1.206897"
    assert data["ente"]["delay"]["value"] == "6.210826"
    assert data["ente"]["delay"]["explanation"]["text"].startswith("Indicatore di ritardo")
    out = io.StringIO()
    call_command(
        "payment_indicators",
        ente=case.ente.slug,
        year=2024,
        unit="polizia-locale",
        reference_date="2024-12-31",
        format="csv",
        stdout=out,
    )
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    by_name = {(row[0], row[1]): row[2] for row in rows[1:]}
    # Polizia Locale and Presidio Nord: (10×1.000 − 1×500 + 9×500) / 2.000 = 7
    assert by_name[("ITP", "anno 2024")] == "7"
    assert by_name[("ritardo annuale", "anno 2024")] == "7"
    assert by_name[("stock del debito", "2024-12-31")] == "0"


def test_payment_indicators_refusals(case):
    with pytest.raises(CommandError, match="Nessuna fattura"):
        call_command("payment_indicators", ente=case.ente.slug, year=2024)
    with pytest.raises(CommandError, match="Unità"):
        call_command("payment_indicators", ente=case.ente.slug, year=2024, unit="x")
    with pytest.raises(CommandError, match="AAAA-MM-GG"):
        call_command(
            "payment_indicators", ente=case.ente.slug, year=2024, reference_date="31/12/2024"
        )
