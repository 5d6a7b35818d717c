"""Background generation: the task stores the file with its time and fingerprint; a failure
keeps the previous good file; a stored file says when the data changed since."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from core.models import AuditEntry
from documents import selectors, services
from documents.models import GeneratedDocument, GenerationState
from planning.models import OperationalObjective


def _latest(cycle, kind="piano", fmt="pdf"):
    for row in selectors.overview(cycle, _admin_access(cycle)):
        if row.kind == kind:
            return next(s for s in row.formats if s.format == fmt)
    raise AssertionError(kind)


def _admin_access(cycle):
    from accounts.access import EnteAccess

    return EnteAccess(ente=cycle.ente, roles=frozenset({"admin"}))


def test_queued_generation_runs_as_a_task(sorbara, django_capture_on_commit_callbacks, settings):
    """The request queues the django-tasks task; the task (run here by the immediate backend,
    in production by `db_worker`) produces the file."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document = services.document_request(user=None, cycle=sorbara, kind="piano", format="pdf")
    document.refresh_from_db()
    assert document.state == GenerationState.QUEUED
    for callback in callbacks:
        callback()
    document.refresh_from_db()
    assert document.task_id
    assert document.state == GenerationState.DONE
    assert document.progress == 100
    assert document.generated_at is not None
    assert len(document.fingerprint) == 64
    with document.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert AuditEntry.objects.filter(action="document.request").exists()


def test_failure_keeps_the_previous_good_file(sorbara, monkeypatch):
    good = services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="docx")
    assert good.is_done

    def broken(document):
        raise RuntimeError("disco pieno")

    monkeypatch.setattr(services, "build_model", broken)
    failed = services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="docx")
    assert failed.state == GenerationState.FAILED
    assert "Errore imprevisto" in failed.error
    assert not failed.file
    state = _latest(sorbara, fmt="docx")
    assert state.latest.pk == good.pk
    assert state.failed.pk == failed.pk
    good.refresh_from_db()
    assert good.file.storage.exists(good.file.name)


def test_stored_document_goes_out_of_date_when_the_data_change(sorbara):
    document = services.document_generate_now(user=None, cycle=sorbara, kind="piano", format="xlsx")
    assert selectors.freshness(document) == selectors.FRESH
    objective = OperationalObjective.objects.filter(cycle=sorbara).first()
    objective.title = objective.title + " (rivisto)"
    objective.save()
    assert selectors.freshness(document) == selectors.STALE


def test_an_interrupted_generation_leaves_no_file_and_can_be_retried(sorbara):
    import datetime as dt

    from django.utils import timezone

    stuck = GeneratedDocument.objects.create(
        cycle=sorbara, kind="piano", format="pdf", state=GenerationState.RUNNING, progress=45
    )
    GeneratedDocument.objects.filter(pk=stuck.pk).update(
        requested_at=timezone.now() - dt.timedelta(hours=1)
    )
    stuck.refresh_from_db()
    assert services.is_interrupted(stuck)
    assert not stuck.file
    done = services.document_generate(stuck.pk)  # the same task, run again
    assert done.state == GenerationState.DONE and done.is_done


def test_format_and_person_are_checked(sorbara):
    from core.exceptions import ServiceError

    with pytest.raises(ServiceError, match="solo in XLSX"):
        services.document_request(user=None, cycle=sorbara, kind="portale", format="pdf")
    with pytest.raises(ServiceError, match="persona"):
        services.document_request(user=None, cycle=sorbara, kind="scheda", format="pdf")


@pytest.mark.parametrize(
    "kind",
    [
        "piano",
        "portale",
        "monitoraggio",
        "relazione",
        "validazione",
        "accompagnamento",
        "scheda",
        "premi",
        "premi_aggregati",
        "smvp",
    ],
)
@pytest.mark.parametrize("name", ["sorbara", "consorzio"])
def test_generate_document_command_every_kind(sorbara, consorzio, name, kind, tmp_path):
    from documents.builders import FORMATS
    from organization.models import Person

    cycle = {"sorbara": sorbara, "consorzio": consorzio}[name]
    person = (
        Person.objects.filter(ente=cycle.ente, schede__cycle=cycle).first()
        or Person.objects.filter(ente=cycle.ente).first()
    )
    for fmt in FORMATS[kind]:
        target = tmp_path / f"{kind}.{fmt}"
        args = [
            "--kind",
            kind,
            "--ente",
            cycle.ente.slug,
            "--year",
            str(cycle.year),
            "--format",
            fmt,
            "--output",
            str(target),
        ]
        if kind == "scheda":
            args += ["--person", person.key]
        if kind == "monitoraggio" and name == "sorbara":
            args += ["--window", "30-giugno"]  # the consorzio: its latest window, by default
        call_command("generate_document", *args, stdout=io.StringIO())
        head = target.read_bytes()[:4]
        assert head == (b"%PDF" if fmt == "pdf" else b"PK\x03\x04")
