"""Invoice import: formats, header recognition, per-row errors, idempotence, transactions."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from core.exceptions import ServiceError
from core.models import AuditEntry
from payments import services
from payments.models import (
    BatchState,
    ImportSource,
    Invoice,
    InvoicePayment,
    InvoiceSuspension,
    PaymentReport,
)
from tests.payments.conftest import HEADER, SMALL, TODAY, csv_file

D = Decimal


def run(case, content: bytes, filename: str = "fatture.csv", **options):
    return services.import_invoices(
        user=case.admin, ente=case.ente, content=content, filename=filename, today=TODAY, **options
    )


def test_the_small_file_imports_with_payments_suspensions_and_units(case):
    batch = run(case, SMALL)
    assert batch.state == BatchState.DONE
    assert (batch.created_count, batch.updated_count, batch.invalid_rows) == (6, 0, 0)
    assert batch.errors == []
    first = Invoice.objects.get(ente=case.ente, sdi_id="1001")
    assert first.key == "sdi:1001"
    assert (first.total, first.taxable, first.vat, first.split_payment) == (
        D("1220.00"),
        D("1000.00"),
        D("220.00"),
        True,
    )
    assert first.unit == case.polizia  # by PEG code «PM01»
    assert Invoice.objects.get(sdi_id="1002").unit == case.presidio  # by name
    assert Invoice.objects.get(sdi_id="1004").unit == case.ragioneria
    assert Invoice.objects.get(sdi_id="1006").unit is None
    assert list(
        InvoicePayment.objects.filter(invoice__sdi_id="1002").values_list("date", "amount")
    ) == [(dt.date(2024, 5, 31), D("500.00")), (dt.date(2024, 6, 10), D("500.00"))]
    suspension = InvoiceSuspension.objects.get(invoice__sdi_id="1004")
    assert (suspension.start, suspension.end, suspension.cause) == (
        dt.date(2024, 3, 5),
        dt.date(2024, 3, 14),
        "contenzioso",
    )
    assert Invoice.objects.get(sdi_id="1003").nature == "capitale"
    assert Invoice.objects.get(sdi_id="1006").status == "non_commerciale"
    assert AuditEntry.objects.filter(action="payments.import.commit", ente=case.ente).count() == 1


def test_the_figures_are_recomputed_after_the_import(case):
    run(case, SMALL)
    data = PaymentReport.objects.get(ente=case.ente, year=2024).data["ente"]
    # 10×1.000 − 1×500 + 9×500 − 5×3.000 + 10×800 = 7.000 over 5.800 paid
    assert data["annual"]["weighted_days"] == "7000"
    assert data["annual"]["itp"] == "1.206897"
    assert [q["itp"] for q in data["quarters"]] == ["-1.25", "6.666667", None, None]
    # By default the unpaid 1.220 € is delayed to the day of the computation, 15/03/2025:
    # 104 days, (7.000 + 126.880) / 7.020
    assert data["delay"]["value"] == "19.071225" and data["delay"]["is_estimate"]
    assert data["delay"]["reference_date"] == "2025-03-15"
    services.rules_update(
        user=case.admin, ente=case.ente, data={"unpaid_reference": "year_end"}, today=TODAY
    )
    data = PaymentReport.objects.get(ente=case.ente, year=2024).data["ente"]
    # At 31/12 it is 30 days late: (7.000 + 36.600) / 7.020
    assert data["delay"]["value"] == "6.210826" and data["delay"]["days"] == 6
    assert data["stock"]["stock"] == "1000" and data["stock"]["overdue"] == "1000"
    assert data["received"] == "6800"
    assert data["tests"]["incidence"] == "14.705882"
    assert data["fgdc"]["rate"] == "5"  # no previous stock to reduce, overdue over 5 %


def test_reimporting_the_same_file_changes_nothing(case):
    run(case, SMALL)
    again = run(case, SMALL)
    assert (again.created_count, again.updated_count, again.unchanged_count) == (0, 0, 6)
    assert Invoice.objects.filter(ente=case.ente).count() == 6
    assert InvoicePayment.objects.filter(invoice__ente=case.ente).count() == 5


def test_a_new_payment_updates_the_invoice_and_replaces_its_payments(case):
    run(case, SMALL)
    paid_now = csv_file(
        "1005;G-1;01/11/2024;01/11/2024;11111111111;Gamma s.n.c.;1.220,00;1.000,00;220,00;no;;"
        "pagata;;;corrente;RA01;15/01/2025;1.220,00;;"
    )
    batch = run(case, paid_now)
    assert (batch.created_count, batch.updated_count) == (0, 1)
    invoice = Invoice.objects.get(sdi_id="1005")
    assert invoice.status == "pagata"
    assert list(invoice.payments.values_list("amount", flat=True)) == [D("1220.00")]
    assert Invoice.objects.filter(ente=case.ente).count() == 6
    assert PaymentReport.objects.filter(ente=case.ente, year=2025).exists()


def test_without_sdi_the_invoice_is_found_by_supplier_number_and_year(case):
    header = "Numero;Data fattura;Data ricezione;P.IVA;Importo;Scadenza"
    first = csv_file("12/A;10/01/2024;12/01/2024;IT01234567890;100,00;", header=header)
    run(case, first)
    later = csv_file("12/A;10/01/2024;12/01/2024;01234567890;100,00;20/02/2024", header=header)
    batch = run(case, later)
    assert (batch.created_count, batch.updated_count) == (0, 1)
    invoice = Invoice.objects.get(ente=case.ente)
    assert invoice.due_date == dt.date(2024, 2, 20)
    assert invoice.key == "01234567890|12/A|2024"


def test_bad_rows_are_reported_by_line_and_the_others_kept(case):
    content = csv_file(
        "2001;A;01/02/2024;01/02/2024;IT01234567890;Alfa;100,00;;;no;;;;;;;;;;",
        "2002;B;01/02/2024;31/02/2024;IT01234567890;Alfa;100,00;;;no;;;;;;;;;;",
        "2003;C;01/02/2024;01/02/2024;IT01234567890;Alfa;cento;;;no;;;;;;;;;;",
        "2004;D;01/02/2024;01/02/2024;IT01234567890;Alfa;100,00;;;no;;pagata;;;;;;;;",
        "2005;E;01/02/2024;01/02/2024;IT01234567890;Alfa;100,00;;;no;;;;;;;01/03/2024;;;",
        "2006;F;01/02/2024;01/02/2024;IT01234567890;Alfa;100,00;90,00;20,00;no;;;;;;;;;;",
        "2007;G;01/02/2024;01/02/2024;IT01234567890;Alfa;-100,00;;;no;;;;;;;;;;",
        "2008;H;01/02/2024;01/02/2024;IT01234567890;Alfa;100,00;;;no;;;;;;;15/02/2024;150,00;;",
    )
    batch = run(case, content)
    errors = {error["line"]: error["message"] for error in batch.errors}
    assert set(errors) == {3, 4, 5, 6, 7, 8, 9}
    assert "Data ricezione" in errors[3] and "31/02/2024" in errors[3]
    assert "Importo totale documento" in errors[4]
    assert "nessun pagamento" in errors[5]
    assert "manca l'importo pagato" in errors[6]
    assert "supera l'importo totale" in errors[7]
    assert "note di credito" in errors[8]
    assert "più dell'importo totale" in errors[9]
    assert list(Invoice.objects.filter(ente=case.ente).values_list("sdi_id", flat=True)) == ["2001"]
    assert batch.invalid_rows == 7


def test_a_row_per_payment_is_merged_into_one_invoice(case):
    header = (
        "Identificativo SDI;Data ricezione;Importo totale documento;Data pagamento;Importo pagato"
    )
    content = csv_file(
        "3001;01/03/2024;300,00;10/04/2024;100,00",
        "3001;01/03/2024;300,00;20/04/2024;200,00",
        "3001;01/03/2024;300,00;20/04/2024;200,00",  # an exact duplicate line is ignored
        "3002;01/03/2024;50,00;;",
        "3002;05/03/2024;50,00;;",  # conflicting receipt date: the invoice is left out
        header=header,
    )
    batch = run(case, content)
    invoice = Invoice.objects.get(sdi_id="3001")
    assert [p.amount for p in invoice.payments.all()] == [D(100), D(200)]
    assert invoice.status == "pagata"
    assert not Invoice.objects.filter(sdi_id="3002").exists()
    assert {error["line"] for error in batch.errors} == {5, 6}
    assert any("righe duplicate" in warning for warning in batch.warnings)


def test_windows_1252_comma_separated_with_synonyms(case):
    header = (
        "ID SdI,N. fattura,Data ricevimento,Partita IVA/Codice fiscale,Totale fattura,"
        "Data scad.,Esigibilità IVA,IVA,Settore"
    )
    content = csv_file(
        '4001,7,"05/06/2024",IT01234567890,"1.220,00",05/07/2024,S,"220,00",Ragioneria',
        header=header,
        encoding="cp1252",
    )
    batch = run(case, content)
    assert batch.encoding == "cp1252" and batch.delimiter == ","
    invoice = Invoice.objects.get(sdi_id="4001")
    assert invoice.due_date == dt.date(2024, 7, 5)
    assert invoice.split_payment and invoice.vat == D(220)
    assert invoice.unit == case.ragioneria


def test_missing_due_date_uses_the_ente_term(case):
    services.rules_update(user=case.admin, ente=case.ente, data={"term_days": 60})
    header = (
        "Identificativo SDI;Data ricezione;Importo totale documento;Data pagamento;Importo pagato"
    )
    run(case, csv_file("5001;01/03/2024;100,00;10/05/2024;100,00", header=header))
    data = PaymentReport.objects.get(ente=case.ente, year=2024).data["ente"]
    assert data["annual"]["itp"] == "10"  # due 30/04 (60 days), paid 10/05


def test_xlsx_with_title_rows_and_typed_cells(case):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Elenco fatture – esportazione PCC"])
    sheet.append([])
    sheet.append(
        [
            "Identificativo SDI",
            "Data ricezione",
            "Importo totale documento",
            "Imponibile",
            "Data scadenza",
            "Data pagamento",
            "Importo pagato",
        ]
    )
    sheet.append(
        [
            6001,
            dt.datetime(2024, 4, 2),
            1220.0,
            1000,
            dt.date(2024, 5, 2),
            dt.date(2024, 5, 12),
            1220.5 - 0.5,
        ]
    )
    sheet.append([6002, "02/04/2024", "abc", None, None, None, None])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = run(case, buffer.getvalue(), filename="pcc.xlsx")
    assert batch.file_format == "xlsx" and batch.header_line == 3
    invoice = Invoice.objects.get(sdi_id="6001")
    assert (invoice.total, invoice.vat, invoice.received_date) == (
        D("1220.00"),
        D("220.00"),
        dt.date(2024, 4, 2),
    )
    assert [error["line"] for error in batch.errors] == [5]


def test_the_mapping_is_saved_per_source_and_proposed_again(case):
    header = "Doc SDI;Arrivata il;Lordo;Pagata il;Quanto"
    content = csv_file("7001;01/03/2024;100,00;15/03/2024;100,00", header=header)
    mapping = {
        "sdi_id": "Doc SDI",
        "received_date": "Arrivata il",
        "total": "Lordo",
        "payment_date": "Pagata il",
        "payment_amount": "Quanto",
    }
    run(case, content, mapping=mapping, source_name="Contabilità Alfa")
    source = ImportSource.objects.get(ente=case.ente, name="Contabilità Alfa")
    assert source.mapping["received_date"] == "Arrivata il"
    batch = services.batch_create(
        user=case.admin,
        ente=case.ente,
        content=content,
        filename="again.csv",
        source_name="Contabilità Alfa",
    )
    assert batch.mapping["total"] == "Lordo"


def test_a_file_without_the_needed_columns_is_refused(case):
    content = csv_file("1;2", header="Fornitore;Importo totale")
    with pytest.raises(ServiceError) as error:
        run(case, content)
    assert "data di ricezione" in error.value.message
    assert "identificativo SDI" in error.value.message
    assert not Invoice.objects.exists()


def test_an_unreadable_file_is_refused_with_a_reason(case):
    with pytest.raises(ServiceError, match="intestazioni"):
        run(case, b"just some text\nwithout headers\n")
    with pytest.raises(ServiceError, match="vuoto"):
        run(case, b"")


def test_nothing_is_half_written_when_the_write_fails(case, monkeypatch):
    original = services._execute_many
    calls = []

    def failing(sql, rows):
        calls.append(sql)
        if "payments_invoicepayment" in sql:
            raise RuntimeError("disco pieno")
        return original(sql, rows)

    monkeypatch.setattr(services, "_execute_many", failing)
    with pytest.raises(RuntimeError):
        run(case, SMALL)
    assert not Invoice.objects.filter(ente=case.ente).exists()
    batch = case.ente.invoice_imports.get()
    assert batch.state == BatchState.FAILED and "nulla è stato importato" in batch.message


def test_an_import_stays_inside_its_ente(case):
    run(case, SMALL)
    services.import_invoices(
        user=case.outsider, ente=case.other, content=SMALL, filename="f.csv", today=TODAY
    )
    assert Invoice.objects.filter(ente=case.other).count() == 6
    assert Invoice.objects.filter(ente=case.ente).count() == 6
    assert not Invoice.objects.filter(ente=case.other, unit__ente=case.ente).exists()


def test_only_admins_import(case):
    from core.exceptions import AccessDenied

    with pytest.raises(AccessDenied):
        services.import_invoices(
            user=case.nucleo, ente=case.ente, content=SMALL, filename="f.csv", today=TODAY
        )
    with pytest.raises(AccessDenied):
        services.import_invoices(
            user=case.outsider, ente=case.ente, content=SMALL, filename="f.csv", today=TODAY
        )


def test_header_constant_lists_the_canonical_columns():
    assert HEADER.startswith("Identificativo SDI;Numero fattura")


def test_the_invoices_kept_in_memory_after_a_write_equal_those_read_back(case):
    from payments import figures
    from payments.columns import propose_mapping
    from payments.reading import open_table
    from payments.rows import Collector
    from payments.synthetic import generate, to_csv

    content = to_csv(generate(300, 2024, seed=7), encoding="cp1252")
    table = open_table(content, "s.csv")
    collector = Collector(propose_mapping(table.headers), table.headers)
    for line, row in table.rows():
        collector.add(line, row)
    outcome = collector.finish()
    written = services.write_invoices(ente=case.ente, items=outcome.invoices, batch=None)
    assert written.created == len(outcome.invoices) > 250
    by_key = lambda invoices: sorted(invoices, key=lambda i: int(i.key))  # noqa: E731
    assert by_key(written.written) == by_key(figures.load_invoices(case.ente))


def test_the_garbage_collector_pauses_while_a_file_is_read_written_and_computed(case, monkeypatch):
    import gc

    from payments import figures

    seen: dict[str, bool] = {}

    def spy(module, name):
        original = getattr(module, name)

        def wrapper(*args, **kwargs):
            seen[name] = gc.isenabled()
            return original(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(services, "write_invoices")
    spy(services, "reports_recompute")
    spy(figures, "load_invoices")
    original_add = services.Collector.add

    def add(self, line, row):
        seen["add"] = gc.isenabled()
        return original_add(self, line, row)

    monkeypatch.setattr(services.Collector, "add", add)
    assert gc.isenabled()
    run(case, SMALL)
    # A second file: the invoices of the first are read back from the database.
    batch = run(
        case,
        csv_file(
            "9001;F-9;02/01/2024;05/01/2024;IT01;Uno;122,00;100,00;22,00;"
            "no;04/02/2024;ricevuta;;;corrente;Polizia;;;;"
        ),
    )
    assert batch.state == BatchState.DONE
    assert batch.created_count == 1
    assert seen == {
        "add": False,
        "write_invoices": False,
        "reports_recompute": False,
        "load_invoices": False,
    }
    assert gc.isenabled()


def test_the_garbage_collector_is_back_on_after_a_failed_write(case, monkeypatch):
    import gc

    def broken(**kwargs):
        raise RuntimeError("disco pieno")

    monkeypatch.setattr(services, "write_invoices", broken)
    with pytest.raises(RuntimeError):
        run(case, SMALL)
    assert gc.isenabled()
    assert not Invoice.objects.filter(ente=case.ente).exists()


def test_bulk_work_leaves_a_disabled_collector_disabled():
    import gc

    gc.disable()
    try:
        with services.bulk_work():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()


def _reports(ente) -> dict[int, dict]:
    return dict(PaymentReport.objects.filter(ente=ente).values_list("year", "data"))


@pytest.mark.parametrize("seed", [3, 11])
def test_the_figures_of_an_import_equal_those_recomputed_from_the_database(case, seed):
    """The import computes from the invoices it keeps in memory (and, into an empty ente,
    reads nothing back); a recomputation reads every invoice from the database: same figures."""
    from payments.synthetic import generate, to_csv

    rows = generate(400, 2024, seed=seed, previous_year_share=0.2)
    first, second = rows[:250], rows[150:]  # the second file repeats 100 of the first
    for part in (first, second):
        batch = run(case, to_csv(part))
        assert batch.state == BatchState.DONE
        from_import = _reports(case.ente)
        assert from_import
        services.reports_recompute(ente=case.ente, today=TODAY)
        assert _reports(case.ente) == from_import
    assert Invoice.objects.filter(ente=case.ente).count() == 400
