"""Import of the staff register from the payroll's export (organization/payroll.py)."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse

from core.audit import AuditEntry
from core.exceptions import AccessDenied, ServiceError
from organization import payroll
from organization.models import Assignment, Employment, Ente, EnteKind, Person, Unit, UnitKind

TODAY = dt.date(2025, 3, 1)
DEMO = Path(__file__).resolve().parents[2] / "demo" / "data" / "unione-sorbara-2024.json"


def _csv(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def preview(world, content: bytes, name: str = "paghe.csv"):
    return payroll.payroll_preview(ente=world.ente, content=content, filename=name, today=TODAY)


def run(world, content: bytes, name: str = "paghe.csv", user=None):
    user = user or world.users["admin"]
    return payroll.payroll_import(
        user=user, ente=world.ente, content=content, filename=name, today=TODAY
    )


HEADER = (
    "Matricola;COGNOME;Nome;Cod. fiscale;Cat.;Profilo professionale;% Part-time;"
    "Data assunzione;Data cessazione;Unità/Servizio;Reparto"
)


def test_headers_are_recognised_by_their_italian_synonyms():
    assert payroll.column_of("N. Matricola") == "payroll_number"
    assert payroll.column_of("Unità/Servizio") == "unit"
    assert payroll.column_of("% Part-time") == "part_time_percent"
    assert payroll.column_of("Categoria/Area") == "category"
    assert payroll.column_of("DATA DI ASSUNZIONE") == "start_date"
    assert payroll.column_of("C.F.") == "fiscal_code"
    assert payroll.column_of("Reparto") is None


def test_preview_says_what_is_new_changed_and_unchanged_and_writes_nothing(world):
    content = _csv(
        "Estrazione anagrafica al 01/03/2025",
        "",
        HEADER,
        # Luca Verdi, found by codice fiscale: now full time, the matricola is added.
        "1002;VERDI;LUCA;VRDLCU85B12D150Y;C1;Agente di P.L.;100;01/01/2020;;PM01;x",
        # Anna Bianchi, found by name: nothing the file says differs.
        ";Bianchi;Anna;;;;;;;;",
        # A new person, in a unit named by its key, part-time with a comma.
        "1003;ROSSI;MARIA;;Istruttori;Istruttore amministrativo;83,33%;15.04.2024;;"
        "ufficio-verbali;",
    )
    before = (Person.objects.count(), Employment.objects.count(), AuditEntry.objects.count())
    plan = preview(world, content)
    assert plan.file_problem == ""
    assert [row.line for row in plan.rows] == [4, 5, 6]
    assert [row.action for row in plan.rows] == [payroll.UPDATE, payroll.UNCHANGED, payroll.CREATE]
    assert plan.ignored == ["Reparto"]
    changes = {change.label: (change.before, change.after) for change in plan.rows[0].changes}
    assert changes["Matricola"] == ("—", "1002")
    assert changes["% Part-time"] == ("66,67", "100")
    assert changes["Profilo professionale"] == ("—", "Agente di P.L.")
    assert plan.rows[2].name == "Rossi Maria"
    assert (Person.objects.count(), Employment.objects.count(), AuditEntry.objects.count()) == (
        before
    )


def test_import_applies_the_rows_in_one_go_and_twice_changes_nothing(world):
    content = _csv(
        HEADER,
        "1002;VERDI;LUCA;VRDLCU85B12D150Y;C1;Agente di P.L.;100;01/01/2020;;PM01;",
        "1003;ROSSI;MARIA;RSSMRA90A41D150K;Istruttori;Istruttore amministrativo;83,33;"
        "15/04/2024;;ufficio-verbali;",
    )
    plan = run(world, content)
    assert plan.counts[payroll.CREATE] == 1 and plan.counts[payroll.UPDATE] == 1

    clerk = Person.objects.get(pk=world.clerk.pk)
    assert clerk.payroll_number == "1002"
    employment = Employment.objects.get(pk=world.clerk_employment.pk)
    assert employment.part_time_percent == Decimal("100.00")
    assert employment.profile == "Agente di P.L."
    assert Employment.objects.filter(person=clerk).count() == 1  # matched by hire date

    maria = Person.objects.get(ente=world.ente, payroll_number="1003")
    assert (maria.first_name, maria.last_name, maria.key) == ("Maria", "Rossi", "maria-rossi")
    [new_employment] = maria.employments.all()
    assert new_employment.ccnl_area == "istruttori" and new_employment.legacy_category == ""
    assert new_employment.part_time_percent == Decimal("83.33")
    assert new_employment.start_date == dt.date(2024, 4, 15)
    [assignment] = maria.assignments.all()
    assert assignment.unit == world.office and assignment.start_date == dt.date(2024, 4, 15)

    summary = AuditEntry.objects.get(action="payroll.import")
    assert summary.ente == world.ente and summary.user == world.users["admin"]
    assert summary.changes["nuove"] == 1 and summary.changes["aggiornate"] == 1
    assert AuditEntry.objects.filter(action="person.create", object_id=str(maria.pk)).exists()

    counts = (Person.objects.count(), Employment.objects.count(), Assignment.objects.count())
    audit_rows = AuditEntry.objects.count()
    again = run(world, content)
    assert again.counts[payroll.UNCHANGED] == 2 and not again.has_changes
    assert (Person.objects.count(), Employment.objects.count(), Assignment.objects.count()) == (
        counts
    )
    assert AuditEntry.objects.count() == audit_rows


def test_row_and_field_errors_are_in_italian_and_nothing_is_written(world):
    content = _csv(
        HEADER,
        "2001;Gialli;Rosa;ABC;Z9;;150;31/02/2024;;PM01;",
        "2002;Viola;;;C;;;;;Ufficio inesistente;",
        "2001;Blu;Ugo;;C;;;;;;",
        "2003;Nero;Ivo;;C;;50;01/01/2024;01/01/2023;;",
    )
    plan = preview(world, content)
    problems = {row.line: row.problems for row in plan.rows}
    messages = {problem.column: problem.message for problem in problems[2]}
    assert "16 lettere e cifre" in messages["Cod. fiscale"]
    assert "«Z9» non è una categoria" in messages["Cat."]
    assert "100" in messages["% Part-time"]
    assert "non è una data valida" in messages["Data assunzione"]
    assert [(p.column, p.message) for p in problems[3]] == [("Nome", "valore obbligatorio.")]
    assert "compare anche alla riga 2" in problems[4][0].message
    assert "non può precedere" in problems[5][0].message
    people = Person.objects.count()
    with pytest.raises(ServiceError, match="4 righe da correggere, la prima è la riga 2"):
        run(world, content)
    assert Person.objects.count() == people
    assert not AuditEntry.objects.filter(action="payroll.import").exists()


def test_an_unknown_unit_is_named(world):
    content = _csv("Cognome;Nome;Servizio", "Viola;Ada;Ufficio inesistente")
    [row] = preview(world, content).rows
    assert row.problems[0].column == "Servizio"
    assert "«Ufficio inesistente» non è nell'organigramma" in row.problems[0].message


def test_two_namesakes_need_a_matricola(world, make_person):
    make_person(world.ente, key="luca-verdi-2", first_name="Luca", last_name="Verdi")
    [row] = preview(world, _csv("Cognome;Nome;Profilo", "Verdi;Luca;Agente")).rows
    assert row.action == payroll.ERROR
    assert "2 persone di nome «Luca Verdi»" in row.problems[0].message


def test_a_file_without_the_names_is_refused(world):
    plan = preview(world, _csv("Codice;Importo", "1;2"))
    assert "Cognome" in plan.file_problem and plan.rows == []
    with pytest.raises(ServiceError, match="intestazioni"):
        run(world, _csv("Codice;Importo", "1;2"))


def test_two_columns_for_the_same_datum_are_refused(world):
    plan = preview(world, _csv("Cognome;Nome;Categoria;Area", "Rossi;Ada;C;Istruttori"))
    assert "«Categoria» e «Area»" in plan.file_problem


def test_xlsx_with_numbers_and_dates_as_cells(world):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Matricola", "Cognome", "Nome", "Area", "Part-time", "Data assunzione"])
    sheet.append([3001, "BIANCHI", "ANNA", "Funzionari e EQ", 50.0, dt.datetime(2019, 9, 1)])
    stream = io.BytesIO()
    book.save(stream)
    plan = run(world, stream.getvalue(), name="paghe.xlsx")
    assert [row.action for row in plan.rows] == [payroll.UPDATE]
    boss = Person.objects.get(pk=world.boss.pk)
    assert boss.payroll_number == "3001"
    [employment] = boss.employments.all()
    assert employment.part_time_percent == Decimal("50.00")
    assert employment.start_date == dt.date(2019, 9, 1)  # the undated employment, now dated


def test_only_the_ente_administrator_imports(world):
    content = _csv("Cognome;Nome", "Rossi;Ada")
    with pytest.raises(AccessDenied):
        run(world, content, user=world.users["responsabile"])
    with pytest.raises(AccessDenied):
        run(world, content, user=world.users["other_admin"])


def test_pages_preview_then_commit(world, enter):
    client = enter(world.users["admin"], world.ente)
    url = reverse("organization:payroll_upload")
    assert "Matricola" in client.get(url).content.decode()
    upload = io.BytesIO(_csv("Matricola;Cognome;Nome;Servizio", "4001;Rossi;Ada;PM01"))
    upload.name = "paghe.csv"
    response = client.post(url, {"file": upload})
    page = response.content.decode()
    assert response.status_code == 200 and "Nuova persona" in page and "Rossi Ada" in page
    assert not Person.objects.filter(payroll_number="4001").exists()
    sha256 = client.session[_session_key()]["sha256"]
    response = client.post(reverse("organization:payroll_commit"), {"sha256": "altro"})
    assert response.status_code == 302 and not Person.objects.filter(payroll_number="4001")
    client.post(url, {"file": _named(b"Matricola;Cognome;Nome;Servizio\n4001;Rossi;Ada;PM01\n")})
    response = client.post(reverse("organization:payroll_commit"), {"sha256": sha256})
    assert response.status_code == 302 and response.url == reverse("organization:people")
    ada = Person.objects.get(ente=world.ente, payroll_number="4001")
    assert ada.assignments.get().unit == world.service


def test_pages_are_refused_to_other_roles(world, enter):
    client = enter(world.users["responsabile"], world.ente)
    assert client.get(reverse("organization:payroll_upload")).status_code == 403
    response = client.post(reverse("organization:payroll_commit"), {"sha256": "x"})
    assert response.status_code == 403


def test_a_page_error_names_the_problem(world, enter):
    client = enter(world.users["admin"], world.ente)
    response = client.post(reverse("organization:payroll_upload"), {"file": _named(b"")})
    assert response.status_code == 400 and "Il file è vuoto." in response.content.decode()


def _session_key() -> str:
    from organization.views import PAYROLL_SESSION_KEY

    return PAYROLL_SESSION_KEY


def _named(content: bytes, name: str = "paghe.csv") -> io.BytesIO:
    stream = io.BytesIO(content)
    stream.name = name
    return stream


# --- the demo staff ------------------------------------------------------------------------


def _demo_ente() -> tuple[Ente, list[dict]]:
    """The Sorbara demo's units, with nobody in them, and the demo's people."""
    data = json.loads(DEMO.read_text())
    ente = Ente.objects.create(
        slug="sorbara-paghe", name="Unione del Sorbara", kind=EnteKind.UNIONE
    )
    units: dict[str, Unit] = {}
    for order, row in enumerate(data["units"]):
        units[row["key"]] = Unit.objects.create(
            ente=ente,
            key=row["key"],
            parent=units.get(row.get("parent") or ""),
            kind=row.get("kind") or UnitKind.OTHER,
            name=row["name"],
            peg_code=row.get("peg_code") or "",
            order=order,
        )
    return ente, data["people"]


def _demo_payroll_csv(people: list[dict]) -> bytes:
    """The demo staff as a payroll program exports it: capitals, «;», Italian dates, matricola."""
    lines = ["Matricola;Cognome;Nome;Categoria/Area;Profilo;Part-time %;Data assunzione;Servizio"]
    for number, person in enumerate(people, start=1):
        job = person["employments"][0]
        unit = (person.get("assignments") or [{}])[0].get("unit", "")
        start = job.get("start_date", "")
        start = dt.date.fromisoformat(start).strftime("%d/%m/%Y") if start else ""
        percent = job.get("part_time_percent", "100").replace(".", ",")
        lines.append(
            f"{number:05d};{person['last_name'].upper()};{person['first_name'].upper()};"
            f"{job.get('legacy_category') or job['ccnl_area']};{job['profile']};{percent};"
            f"{start};{unit}"
        )
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


@pytest.mark.django_db
def test_the_demo_staff_imports_from_a_payroll_csv(make_user):
    ente, people = _demo_ente()
    admin = make_user("segretaria", ente, "admin")
    content = _demo_payroll_csv(people)

    plan = payroll.payroll_import(user=admin, ente=ente, content=content, filename="paghe.csv")
    assert plan.counts == {"crea": 22, "aggiorna": 0, "invariata": 0, "errore": 0}
    staff = Person.objects.filter(ente=ente)
    assert staff.count() == 22
    names = {(p.first_name, p.last_name) for p in staff}
    assert names == {(p["first_name"], p["last_name"]) for p in people}
    ferrarini = staff.get(last_name="Ferrarini")
    assert ferrarini.employments.get().part_time_percent == Decimal("83.33")
    assert ferrarini.assignments.get().unit.key == "pl-presidio-bomporto"
    benassi = staff.get(last_name="Benassi")
    assert benassi.employments.get().start_date == dt.date(2024, 10, 14)
    # The Segretario has no unit in the demo: a person, an employment, no assignment.
    assert Assignment.objects.filter(person__ente=ente).count() == 21

    again = payroll.payroll_import(user=admin, ente=ente, content=content, filename="paghe.csv")
    assert again.counts["invariata"] == 22 and not again.has_changes


def test_a_stored_employment_the_file_leaves_as_it_is_is_not_refused(world):
    # Plans imported from documents carry both the CCNL area and the old category.
    Employment.objects.filter(pk=world.clerk_employment.pk).update(ccnl_area="istruttori")
    content = _csv("Matricola;Cognome;Nome;Cat.", "1002;Verdi;Luca;C")
    [row] = preview(world, content).rows
    assert row.problems == [] and row.action == payroll.UPDATE
    assert [change.label for change in row.changes] == ["Matricola"]
