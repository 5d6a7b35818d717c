from __future__ import annotations

import datetime as dt
import os
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from core.exceptions import AccessDenied, ServiceError
from core.models import AuditEntry
from measurement import services
from measurement.models import (
    CorrectiveAction,
    Evidence,
    Measurement,
    MeasurementState,
    MonitoringWindow,
    ObjectiveDelegate,
    Reminder,
    WindowState,
)
from organization.models import Assignment
from planning.models import CycleState

from .conftest import store

pytestmark = pytest.mark.django_db

D = Decimal
JUNE = dt.date(2025, 6, 30)
SEPTEMBER = dt.date(2025, 9, 30)

PDF_BYTES = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def save(plan, user=None, indicator=None, **fields):
    fields.setdefault("period_kind", "semestre")
    fields.setdefault("period_end", JUNE)
    return services.measurement_save(
        user=user if user is not None else plan.users.admin,
        cycle=plan.cycle,
        indicator=indicator if indicator is not None else plan.controls,
        **fields,
    )


def refusal(callable_, **kwargs) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        callable_(**kwargs)
    return caught.value


# ---------------------------------------------------------------------------------------------
# Monitoring windows
# ---------------------------------------------------------------------------------------------


def test_window_create_generates_the_key_and_records_the_audit(plan):
    window = services.window_create(
        user=plan.users.admin, cycle=plan.cycle, label="Monitoraggio al 30 giugno", period_end=JUNE
    )
    assert window.key == "monitoraggio-al-30-giugno"
    assert window.state == WindowState.OPEN
    other = services.window_create(
        user=plan.users.admin,
        cycle=plan.cycle,
        label="Monitoraggio al 30 giugno",
        period_end="2025-09-30",
    )
    assert other.key == "monitoraggio-al-30-giugno-2"
    assert AuditEntry.objects.filter(action="window.create").count() == 2


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"label": "", "period_end": JUNE}, "Indica la denominazione della finestra.", "label"),
        (
            {"label": "Fuori", "period_end": dt.date(2026, 1, 31)},
            "La data di riferimento (31/01/2026) è fuori dall'anno del ciclo 2025.",
            "period_end",
        ),
        (
            {"label": "Data", "period_end": "31 giugno"},
            "Data di riferimento: «31 giugno» non è una data valida.",
            "period_end",
        ),
    ],
)
def test_window_create_refusals(plan, fields, message, field):
    error = refusal(services.window_create, user=plan.users.admin, cycle=plan.cycle, **fields)
    assert (error.message, error.field) == (message, field)
    assert not MonitoringWindow.objects.exists()


def test_window_create_keeps_dates_unique_and_the_final_window_last(plan):
    admin, cycle = plan.users.admin, plan.cycle
    services.window_create(user=admin, cycle=cycle, label="Giugno", period_end=JUNE)
    error = refusal(
        services.window_create, user=admin, cycle=cycle, label="Doppia", period_end=JUNE
    )
    assert error.message == "Esiste già la finestra «Giugno» al 30/06/2025."
    services.window_create(
        user=admin, cycle=cycle, label="Finale", period_end=dt.date(2025, 12, 31), is_final=True
    )
    error = refusal(
        services.window_create,
        user=admin,
        cycle=cycle,
        label="Altra finale",
        period_end=SEPTEMBER,
        is_final=True,
    )
    assert error.message == "Il ciclo ha già una rilevazione finale."


def test_only_admins_manage_windows(plan):
    with pytest.raises(AccessDenied):
        services.window_create(
            user=plan.users.comandante, cycle=plan.cycle, label="Giugno", period_end=JUNE
        )
    with pytest.raises(AccessDenied):
        services.window_create(
            user=plan.users.outsider, cycle=plan.cycle, label="Giugno", period_end=JUNE
        )


def test_window_close_freezes_scores_and_values(final_values):
    plan = final_values
    store(plan.controls, cycle=plan.cycle, day=JUNE, value="12", note="primo semestre")
    window = services.window_create(
        user=plan.users.admin, cycle=plan.cycle, label="30 giugno", period_end=JUNE
    )

    snapshot = services.window_close(user=plan.users.admin, window=window)

    window.refresh_from_db()
    assert window.state == WindowState.CLOSED
    assert window.closed_by == plan.users.admin
    data = snapshot.data
    assert data["as_of"] == "2025-06-30"
    assert data["window"]["key"] == window.key
    indicators = {row["key"]: row for row in data["indicators"]}
    assert indicators["controlli-edilizi"]["value"] == "12"
    assert indicators["controlli-edilizi"]["display_percent"] == "40.00"
    assert "12 / 30 × 100" in indicators["controlli-edilizi"]["explanation"]["text"]
    # Only the values of periods up to the window's date are frozen in it.
    assert data["values"]["measurements"] == [
        {
            "subject": "indicator",
            "key": "controlli-edilizi",
            "period_kind": "data",
            "period_start": "2025-06-30",
            "period_end": "2025-06-30",
            "is_cumulative": True,
            "value": "12",
            "completed_on": None,
            "note": "primo semestre",
            "deviation_note": "",
            "state": "draft",
            "version": 1,
            "entered_by": None,
            "approved_by": None,
        }
    ]
    assert data["values"]["phases"][0]["objective"] == "pl-coordinamento"
    error = refusal(services.window_close, user=plan.users.admin, window=window)
    assert error.message == "La finestra «30 giugno» è già chiusa."


def test_windows_close_in_order(plan):
    admin = plan.users.admin
    services.window_create(user=admin, cycle=plan.cycle, label="Giugno", period_end=JUNE)
    september = services.window_create(
        user=admin, cycle=plan.cycle, label="Settembre", period_end=SEPTEMBER
    )
    error = refusal(services.window_close, user=admin, window=september)
    assert error.message == "Chiudi prima la finestra «Giugno» del 30/06/2025."
    with pytest.raises(AccessDenied):
        services.window_close(user=plan.users.comandante, window=september)


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


def test_save_creates_then_updates_with_versions(plan):
    first = save(plan, user=plan.users.comandante, value="31", note="dal gestionale")
    assert (first.value, first.version, first.state) == (D("31"), 1, MeasurementState.DRAFT)
    assert first.period_start == dt.date(2025, 1, 1)  # semester ending 30/06
    assert first.entered_by == plan.users.comandante

    services.measurement_approve(user=plan.users.admin, measurement=first)
    second = save(plan, user=plan.users.comandante, value="35", expected_version=1)

    assert second.pk == first.pk
    assert (second.value, second.version) == (D("35"), 2)
    assert second.state == MeasurementState.DRAFT  # a changed value must be approved again
    assert second.approved_by is None
    entry = AuditEntry.objects.filter(action="measurement.update").get()
    assert entry.changes["value"] == ["31.0000", "35.0000"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("1.234,5", D("1234.5")), ("1234.5", D("1234.5")), ("1.700", D("1700")), (" 42 ", D("42"))],
)
def test_save_reads_numbers_the_italian_way(plan, typed, expected):
    assert save(plan, value=typed).value == expected


@pytest.mark.parametrize(
    ("period_kind", "period_end", "start"),
    [
        ("mese", dt.date(2025, 5, 31), dt.date(2025, 5, 1)),
        ("trimestre", SEPTEMBER, dt.date(2025, 7, 1)),
        ("quadrimestre", dt.date(2025, 8, 31), dt.date(2025, 5, 1)),
        ("anno", dt.date(2025, 12, 31), dt.date(2025, 1, 1)),
        ("data", dt.date(2025, 4, 15), dt.date(2025, 4, 15)),
    ],
)
def test_period_start_defaults_from_the_kind(plan, period_kind, period_end, start):
    measurement = save(plan, value="40", period_kind=period_kind, period_end=period_end)
    assert measurement.period_start == start


@pytest.mark.parametrize(
    ("fields", "message", "field"),
    [
        ({"value": "abc"}, "Valore dell'indicatore «Controlli edilizi»: Il valore «abc» non è "
         "un numero.", "value"),
        ({"value": ""}, "Indica il valore dell'indicatore «Controlli edilizi».", "value"),
        ({"value": "1,23456"}, "Valore dell'indicatore «Controlli edilizi»: al massimo quattro "
         "decimali (indicato «1,23456»).", "value"),
        ({"value": "40", "period_end": dt.date(2024, 12, 31)},
         "La fine del periodo (31/12/2024) è fuori dall'anno del ciclo 2025.", "period_end"),
        ({"value": "40", "period_kind": "settimana"}, "Periodo: valore «settimana» non previsto.",
         "period_kind"),
        ({"value": "40", "period_start": dt.date(2025, 7, 1)},
         "L'inizio del periodo segue la fine del periodo.", "period_start"),
        ({"value": "12"}, "Il valore dell'indicatore «Controlli edilizi» è sotto il target "
         "(40,00\u00a0%): scrivi la motivazione dello scostamento.", "deviation_note"),
    ],
)  # fmt: skip
def test_save_refusals(plan, fields, message, field):
    error = refusal(save, plan=plan, **fields)
    assert (error.message, error.field) == (message, field)
    assert not Measurement.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="measurement").exists()


def test_off_target_value_is_saved_with_the_deviation_note(plan):
    measurement = save(plan, value="12", deviation_note="Due agenti in malattia per tre mesi.")
    assert measurement.deviation_note == "Due agenti in malattia per tre mesi."
    # A lower-is-better target: 36 days against ≤ 30 is off target too.
    error = refusal(save, plan=plan, indicator=plan.fin_days, value="36")
    assert error.field == "deviation_note"
    assert save(plan, indicator=plan.fin_days, value="25").value == D("25")


def test_percentages_cannot_exceed_100(plan):
    error = refusal(save, plan=plan, indicator=plan.staff_cost, value="120,5")
    assert error.message == (
        "Valore dell'indicatore «Spesa personale»: 120,5 non è una percentuale valida "
        "(deve essere tra 0 e 100)."
    )
    assert error.field == "value"
    assert save(plan, indicator=plan.staff_cost, value="40 %").value == D("40")


def test_computed_indicators_refuse_manual_values(plan):
    error = refusal(save, plan=plan, indicator=plan.deposits, value="60")
    assert error.message == (
        "L'indicatore «Indicatore depositi [%]» è calcolato con la formula «depositi_istruiti / "
        "depositi_ricevuti_controllo * 100»: il suo valore non si inserisce, si aggiornano i "
        "valori da cui dipende."
    )


def test_refusals_name_an_indicator_whole_however_long_its_name(plan):
    long_name = (
        "Percentuale delle pratiche edilizie istruite entro i termini di legge rispetto al "
        "totale delle pratiche ricevute nell'anno dal servizio"
    )
    assert len(long_name) > 80
    plan.deposits.name = long_name
    plan.deposits.save(update_fields=["name"])
    error = refusal(save, plan=plan, indicator=plan.deposits, value="60")
    assert f"«{long_name}»" in error.message
    plan.staff_cost.name = long_name + " (spesa)"
    plan.staff_cost.save(update_fields=["name"])
    error = refusal(save, plan=plan, indicator=plan.staff_cost, value="120,5")
    assert f"«{long_name} (spesa)»" in error.message


def test_values_of_a_closed_window_need_a_correction(plan):
    window = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE,
        state=WindowState.CLOSED,
    )  # fmt: skip
    error = refusal(
        save, plan=plan, value="40", period_kind="trimestre", period_end=dt.date(2025, 3, 31)
    )
    assert error.message == (
        "Il periodo al 31/03/2025 appartiene alla finestra «30 giugno», già chiusa: per cambiare "
        "il valore registra una correzione motivata."
    )
    assert window.is_closed
    assert save(plan, value="40", period_end=SEPTEMBER, period_kind="trimestre").pk


def test_a_stale_version_is_a_conflict_naming_the_other_writer(plan):
    plan.users.ragioniere.first_name, plan.users.ragioniere.last_name = "Anna", "Neri"
    plan.users.comandante.first_name = "Luca"
    plan.users.comandante.last_name = "Verdi"
    plan.users.comandante.save()
    first = save(plan, user=plan.users.comandante, value="31")
    save(plan, user=plan.users.comandante, value="33", expected_version=1)

    error = refusal(save, plan=plan, user=plan.users.admin, value="40", expected_version=1)

    assert error.code == "conflict"
    first.refresh_from_db()
    assert first.value == D("33")  # nothing overwritten
    assert error.message.startswith("Il valore è stato modificato da Luca Verdi il ")
    assert error.message.endswith(": ricarica la pagina prima di salvare.")
    # A form that saw no value (version 0) is told when someone created it meanwhile.
    error = refusal(save, plan=plan, user=plan.users.admin, value="40", expected_version=0)
    assert error.code == "conflict"


def test_parameters_are_measured_by_the_service_lead(plan):
    value = services.measurement_save(
        user=plan.users.sismico,
        cycle=plan.cycle,
        parameter=plan.handled,
        period_kind="semestre",
        period_end=JUNE,
        value="34",
    )
    assert (value.parameter, value.value) == (plan.handled, D("34"))
    with pytest.raises(AccessDenied):
        services.measurement_save(
            user=plan.users.comandante,
            cycle=plan.cycle,
            parameter=plan.handled,
            period_kind="semestre",
            period_end=JUNE,
            value="34",
        )
    error = refusal(
        services.measurement_save, user=plan.users.admin, cycle=plan.cycle, period_kind="anno",
        period_end=JUNE, value="1",
    )  # fmt: skip
    assert error.message == "Indica un indicatore oppure un parametro."


def test_who_may_enter_values(plan):
    save(plan, user=plan.users.comandante, value="31")  # leads the unit above «verbali»
    with pytest.raises(AccessDenied):
        save(plan, user=plan.users.ragioniere, value="31", expected_version=None)
    with pytest.raises(AccessDenied):
        save(plan, user=plan.users.agente, value="31")
    ObjectiveDelegate.objects.create(objective=plan.pl_coordination, person=plan.agente)
    assert save(plan, user=plan.users.agente, value="32").value == D("32")
    with pytest.raises(AccessDenied):
        save(plan, user=plan.users.nucleo, value="33")
    # An ente-level indicator: the administrator only.
    with pytest.raises(AccessDenied):
        save(plan, user=plan.users.comandante, indicator=plan.staff_cost, value="40")


def test_values_are_entered_only_on_an_approved_plan(plan):
    plan.cycle.state = CycleState.DRAFT
    plan.cycle.save()
    error = refusal(save, plan=plan, value="40")
    assert error.message == (
        "Il piano 2025 è nello stato «Bozza»: i valori si registrano quando il piano è "
        "approvato, in monitoraggio o in misurazione."
    )


def test_milestones_take_a_completion_date(plan):
    done = save(plan, indicator=plan.squads, completed_on="2025-06-20")
    assert done.completed_on == dt.date(2025, 6, 20)
    late = refusal(save, plan=plan, indicator=plan.squads, completed_on=dt.date(2025, 7, 20),
                   period_end=SEPTEMBER, period_kind="trimestre")  # fmt: skip
    assert late.field == "deviation_note"
    error = refusal(save, plan=plan, indicator=plan.squads, completed_on=dt.date(2026, 1, 5))
    assert error.message == (
        "La data di completamento (05/01/2026) è fuori dall'anno del ciclo 2025."
    )


# ---------------------------------------------------------------------------------------------
# Approval and corrections
# ---------------------------------------------------------------------------------------------


def test_approval_by_the_unit_lead_not_by_whoever_entered_it(plan):
    ObjectiveDelegate.objects.create(objective=plan.pl_coordination, person=plan.agente)
    by_delegate = save(plan, user=plan.users.agente, value="31")
    approved = services.measurement_approve(user=plan.users.comandante, measurement=by_delegate)
    assert approved.state == MeasurementState.APPROVED
    assert approved.approved_by == plan.users.comandante
    assert approved.approved_at is not None
    error = refusal(services.measurement_approve, user=plan.users.admin, measurement=approved)
    assert error.message == "Il valore è già approvato."

    own = save(plan, user=plan.users.comandante, value="35", expected_version=1)
    with pytest.raises(AccessDenied, match="Non puoi approvare un valore che hai inserito tu."):
        services.measurement_approve(user=plan.users.comandante, measurement=own)
    with pytest.raises(AccessDenied):
        services.measurement_approve(user=plan.users.ragioniere, measurement=own)
    admin_own = save(plan, user=plan.users.admin, value="36", expected_version=2)
    assert services.measurement_approve(user=plan.users.admin, measurement=admin_own).state == (
        MeasurementState.APPROVED
    )


def test_corrections_of_a_closed_window_keep_old_and_new_values(plan):
    measurement = save(plan, value="31")
    window = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE
    )
    error = refusal(
        services.measurement_correct, user=plan.users.admin, measurement=measurement,
        value="33", reason="Errore di trascrizione",
    )  # fmt: skip
    assert error.message.startswith("Il valore appartiene a un periodo ancora aperto")
    window.state = WindowState.CLOSED
    window.save()
    error = refusal(
        services.measurement_correct, user=plan.users.admin, measurement=measurement,
        value="33", reason="  ",
    )  # fmt: skip
    assert (error.message, error.field) == ("Indica il motivo della correzione.", "reason")
    with pytest.raises(AccessDenied):
        services.measurement_correct(
            user=plan.users.ragioniere, measurement=measurement, value="33", reason="x"
        )

    correction = services.measurement_correct(
        user=plan.users.comandante,
        measurement=measurement,
        value="33",
        reason="Errore di trascrizione dal gestionale",
    )

    measurement.refresh_from_db()
    assert (correction.old_value, correction.new_value) == (D("31"), D("33"))
    assert correction.window == window
    assert correction.corrected_by == plan.users.comandante
    assert (measurement.value, measurement.version) == (D("33"), 2)
    entry = AuditEntry.objects.get(action="measurement.correct")
    assert entry.changes["reason"] == [None, "Errore di trascrizione dal gestionale"]


def test_a_correction_off_target_needs_the_deviation_note(plan):
    measurement = save(plan, value="31")
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE,
        state=WindowState.CLOSED,
    )  # fmt: skip
    error = refusal(
        services.measurement_correct, user=plan.users.admin, measurement=measurement,
        value="20", reason="Ricalcolo",
    )  # fmt: skip
    assert error.field == "deviation_note"
    measurement.refresh_from_db()
    assert measurement.value == D("31")


# ---------------------------------------------------------------------------------------------
# Evidence
# ---------------------------------------------------------------------------------------------


def test_evidence_is_stored_with_the_ente_files(plan, media, django_capture_on_commit_callbacks):
    measurement = save(plan, value="31")
    upload = SimpleUploadedFile("verbale controlli.pdf", PDF_BYTES, "application/pdf")

    evidence = services.evidence_add(
        user=plan.users.comandante, measurement=measurement, uploaded_file=upload
    )

    assert evidence.original_name == "verbale controlli.pdf"
    assert evidence.content_type == "application/pdf"
    assert evidence.size == len(PDF_BYTES)
    assert evidence.file.name.startswith(f"enti/unione-sorbara/misurazioni/2025/{measurement.pk}/")
    assert evidence.file.read() == PDF_BYTES
    path = evidence.file.path
    with django_capture_on_commit_callbacks(execute=True):
        services.evidence_delete(user=plan.users.comandante, evidence=evidence)
    assert not Evidence.objects.exists()
    assert AuditEntry.objects.filter(action__startswith="evidence").count() == 2
    assert not os.path.exists(path)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("script.exe", b"MZ\x90\x00", "Il file «script.exe» non è di un tipo ammesso (ammessi: "
         "pdf, png, jpg, jpeg, odt, ods, odp, doc, docx, xls, xlsx, ppt, pptx, csv, txt)."),
        ("finto.pdf", b"<html>non un pdf</html>", "Il contenuto del file «finto.pdf» non è un "
         "PDF valido: l'estensione non corrisponde al contenuto."),
        ("foto.jpg", PNG_BYTES, "Il contenuto del file «foto.jpg» non è un JPEG valido: "
         "l'estensione non corrisponde al contenuto."),
        ("vuoto.png", b"", "Il file «vuoto.png» è vuoto."),
        ("dati.csv", b"a;b\x00c", "Il file «dati.csv» non è un file di testo: l'estensione non "
         "corrisponde al contenuto."),
    ],
)  # fmt: skip
def test_evidence_refusals(plan, media, name, content, message):
    measurement = save(plan, value="31")
    error = refusal(
        services.evidence_add, user=plan.users.admin, measurement=measurement,
        uploaded_file=SimpleUploadedFile(name, content),
    )  # fmt: skip
    assert (error.message, error.field) == (message, "file")
    assert not Evidence.objects.exists()


def test_evidence_size_limit(plan, media, settings):
    settings.PERFORMA_EVIDENCE_MAX_BYTES = 1024 * 1024
    measurement = save(plan, value="31")
    big = SimpleUploadedFile("grande.pdf", PDF_BYTES + b"0" * (1024 * 1024))
    error = refusal(
        services.evidence_add, user=plan.users.admin, measurement=measurement, uploaded_file=big
    )
    assert error.message == (
        "Il file «grande.pdf» (1,0 MB) supera la dimensione massima di 1,0 MB."
    )
    png = SimpleUploadedFile("grafico.png", PNG_BYTES)
    assert (
        services.evidence_add(
            user=plan.users.admin, measurement=measurement, uploaded_file=png
        ).content_type
        == "image/png"
    )
    with pytest.raises(AccessDenied):
        services.evidence_add(
            user=plan.users.ragioniere,
            measurement=measurement,
            uploaded_file=SimpleUploadedFile("a.pdf", PDF_BYTES),
        )


# ---------------------------------------------------------------------------------------------
# Phases, corrective actions, delegates
# ---------------------------------------------------------------------------------------------


def test_phase_progress(plan):
    phase = services.phase_progress_save(
        user=plan.users.comandante, phase=plan.phase, progress="75,5", actual_text="In corso"
    )
    assert (phase.progress, phase.actual_text) == (D("75.5"), "In corso")
    error = refusal(
        services.phase_progress_save, user=plan.users.comandante, phase=plan.phase, progress="120"
    )
    assert error.message == ("Avanzamento della fase «a)»: deve essere tra 0 e 100 (indicato 120).")
    error = refusal(
        services.phase_progress_save, user=plan.users.comandante, phase=plan.phase,
        actual_end=dt.date(2026, 2, 1),
    )  # fmt: skip
    assert error.field == "actual_end"
    with pytest.raises(AccessDenied):
        services.phase_progress_save(user=plan.users.ragioniere, phase=plan.phase, progress="10")
    plan.cycle.state = CycleState.DRAFT
    plan.cycle.save()
    plan.phase.objective.cycle.refresh_from_db()
    error = refusal(
        services.phase_progress_save, user=plan.users.admin, phase=plan.phase, progress="10"
    )
    assert error.field == "cycle"


def test_corrective_actions(plan):
    window = MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE
    )
    action = services.corrective_action_add(
        user=plan.users.comandante,
        objective=plan.pl_coordination,
        description="Turni aggiuntivi per i controlli",
        due_date="2025-09-15",
        window=window,
    )
    assert (action.status, action.due_date) == (
        CorrectiveAction.Status.PLANNED,
        dt.date(2025, 9, 15),
    )
    error = refusal(
        services.corrective_action_add, user=plan.users.comandante,
        objective=plan.pl_coordination, description=" ",
    )  # fmt: skip
    assert (error.message, error.field) == ("Descrivi l'azione correttiva.", "description")
    with pytest.raises(AccessDenied):
        services.corrective_action_add(
            user=plan.users.giunta, objective=plan.pl_coordination, description="x"
        )
    done = services.corrective_action_done(user=plan.users.comandante, action=action)
    assert done.status == CorrectiveAction.Status.DONE
    error = refusal(services.corrective_action_done, user=plan.users.admin, action=done)
    assert error.message == "L'azione correttiva è già attuata."


def test_delegates(plan, make_ente, make_person):
    Assignment.objects.create(person=plan.agente, unit=plan.verbali)
    delegate = services.delegate_add(
        user=plan.users.comandante, objective=plan.pl_coordination, person=plan.agente
    )
    error = refusal(
        services.delegate_add, user=plan.users.admin, objective=plan.pl_coordination,
        person=plan.agente,
    )  # fmt: skip
    assert error.message == "Paolo Gialli è già delegato per questo obiettivo."
    stranger = make_person(make_ente("altro-ente"), "estraneo", first_name="Ugo", last_name="Ro")
    error = refusal(
        services.delegate_add, user=plan.users.admin, objective=plan.pl_coordination,
        person=stranger,
    )  # fmt: skip
    assert error.field == "person"
    with pytest.raises(AccessDenied):
        services.delegate_add(
            user=plan.users.ragioniere, objective=plan.pl_coordination, person=plan.agente
        )
    services.delegate_remove(user=plan.users.comandante, delegate=delegate)
    assert not ObjectiveDelegate.objects.exists()


# ---------------------------------------------------------------------------------------------
# Reminders and SMVP settings
# ---------------------------------------------------------------------------------------------


def test_reminders_go_to_owners_with_an_email(plan, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    MonitoringWindow.objects.create(
        cycle=plan.cycle, key="giugno", label="30 giugno", period_end=JUNE
    )
    store(plan.pl_days, cycle=plan.cycle, day=JUNE, value="20")

    sent = services.reminders_send(
        user=plan.users.admin, cycle=plan.cycle, today=dt.date(2025, 7, 10)
    )

    assert [reminder.person for reminder in sent] == [plan.sismico, plan.comandante]
    assert [person.key for person in sent.without_email] == ["ragioniere"]
    assert Reminder.objects.count() == 2
    assert sent[1].pending_count == 2  # controlli-edilizi and nuclei (pagamenti entered)
    assert len(mail.outbox) == 2
    message = next(m for m in mail.outbox if m.to == ["verdi@example.org"])
    assert message.subject == "Performa – valori da aggiornare nel ciclo 2025"
    assert "Indicatore «Controlli edilizi»: valore al 30/06/2025 – IN RITARDO" in message.body
    assert "Tempi pagamento pl" not in message.body
    with pytest.raises(AccessDenied):
        services.reminders_send(user=plan.users.comandante, cycle=plan.cycle)


def test_smvp_settings_are_validated_and_stored(plan):
    ente = services.smvp_settings_update(
        user=plan.users.admin,
        ente=plan.ente,
        data={"cap": 120, "indicator": {"method": "ratio", "tolerance": "5"}},
    )
    ente.refresh_from_db()
    assert ente.smvp_settings["cap"] == "120"
    assert ente.smvp_settings["indicator"]["method"] == "ratio"
    error = refusal(
        services.smvp_settings_update,
        user=plan.users.admin,
        ente=plan.ente,
        data={"cap": 500, "colore": "blu"},
    )
    assert error.field == "smvp.colore"  # the first problem found
    assert "smvp.cap: deve essere un numero tra 100 e 200" in error.message
    assert "smvp.colore: chiave sconosciuta" in error.message
    ente.refresh_from_db()
    assert ente.smvp_settings["cap"] == "120"
    with pytest.raises(AccessDenied):
        services.smvp_settings_update(user=plan.users.comandante, ente=plan.ente, data={})
