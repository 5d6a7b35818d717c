"""Monitoring pages: imported evidence without a file, the file picker, the deviation note
required while the typed value is off target, the default cycle."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from measurement import forms
from measurement.models import Evidence
from measurement.services import EVIDENCE_TYPES
from planning.models import Cycle, CycleState
from tests.measurement.conftest import store

pytestmark = pytest.mark.django_db

JUNE = dt.date(2025, 6, 30)


def test_imported_evidence_has_no_link_and_no_download(plan, enter):
    value = store(plan.controls, cycle=plan.cycle, day=JUNE, value="31")
    evidence = Evidence.objects.create(
        measurement=value, file="", original_name="verbale-giugno.pdf",
        content_type="application/pdf", size=2048,
    )  # fmt: skip
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:evidence_download", args=[evidence.pk])
    page = client.get(reverse("measurement:indicator", args=[plan.controls.pk])).content.decode()
    assert "verbale-giugno.pdf" in page
    assert "application/pdf" in page and "2,0" in page
    assert "file non allegato (importato)" in page
    assert f'href="{url}"' not in page
    assert client.get(url).status_code == 404


def test_uploaded_evidence_keeps_its_download_link(plan, enter, media):
    value = store(plan.controls, cycle=plan.cycle, day=JUNE, value="31")
    client = enter(plan.users.comandante, plan.ente)
    client.post(
        reverse("measurement:evidence_add", args=[value.pk]),
        {"file": SimpleUploadedFile("verbale.pdf", b"%PDF-1.4 prova")},
    )
    evidence = Evidence.objects.get()
    url = reverse("measurement:evidence_download", args=[evidence.pk])
    page = client.get(reverse("measurement:indicator", args=[plan.controls.pk])).content.decode()
    assert f'href="{url}"' in page
    assert "file non allegato" not in page
    assert client.get(url).status_code == 200


def test_file_picker_accepts_exactly_the_service_types(plan, enter):
    accepted = forms.EVIDENCE_EXTENSIONS.split(",")
    assert sorted(accepted) == sorted(f".{ext}" for ext in EVIDENCE_TYPES)
    store(plan.controls, cycle=plan.cycle, day=JUNE, value="31")
    client = enter(plan.users.comandante, plan.ente)
    page = client.get(reverse("measurement:indicator", args=[plan.controls.pk])).content.decode()
    pickers = re.findall(r'<input type="file"[^>]*accept="([^"]*)"', page)
    assert pickers and all(value == forms.EVIDENCE_EXTENSIONS for value in pickers)
    assert ".gif" not in forms.EVIDENCE_EXTENSIONS and ".rtf" not in forms.EVIDENCE_EXTENSIONS


def test_preview_marks_the_deviation_note_required_while_off_target(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator_preview", args=[plan.controls.pk])
    off = client.get(url, {"value": "24", "period_end": "2025-06-30"}).content.decode()
    assert 'id="deviation-state" data-off-target="true"' in off
    assert re.search(r'<p id="deviation-hint" hx-swap-oob="innerHTML">Il valore è sotto', off)
    met = client.get(url, {"value": "1.700"}).content.decode()
    assert 'id="deviation-state" data-off-target="false"' in met
    assert '<p id="deviation-hint" hx-swap-oob="innerHTML"></p>' in met
    page = client.get(reverse("measurement:indicator", args=[plan.controls.pk])).content.decode()
    assert '<p id="deviation-hint" class="small text-danger mb-0" aria-live="polite">' in page
    # The script is a static file (the Content-Security-Policy forbids inline scripts).
    assert '<script src="/static/measurement/deviation.js"></script>' in page
    script = (Path(__file__).parents[2] / "measurement/static/measurement/deviation.js").read_text()
    assert 'setAttribute("aria-required", "true")' in script
    assert 'removeAttribute("aria-required")' in script
    note = re.search(r"<textarea[^>]*deviation_note[^>]*>", page).group(0)
    assert "required" not in note


def test_refused_off_target_value_renders_the_note_required(plan, enter):
    client = enter(plan.users.comandante, plan.ente)
    url = reverse("measurement:indicator", args=[plan.controls.pk])
    data = {"period_kind": "semestre", "period_end": "2025-06-30", "value": "24",
            "expected_version": "0"}  # fmt: skip
    body = client.post(url, data).content.decode()
    note = re.search(r"<textarea[^>]*deviation_note[^>]*>", body).group(0)
    assert 'aria-required="true"' in note and " required" in note
    assert "la motivazione dello scostamento è obbligatoria" in body


@pytest.mark.parametrize(
    "name", ["home", "dashboard_ente", "my_deadlines", "dashboard_unit", "parameters"]
)
def test_monitoring_defaults_to_the_latest_approved_cycle(plan, enter, name):
    Cycle.objects.create(
        ente=plan.ente, year=2026, first_year=2026, last_year=2028, title="PIAO 2026-2028",
        state=CycleState.DRAFT,
    )  # fmt: skip
    args = {"dashboard_unit": [plan.pl.pk], "parameters": [plan.sismica.pk]}.get(name, [])
    response = enter(plan.users.admin, plan.ente).get(reverse(f"measurement:{name}", args=args))
    assert response.status_code == 200
    assert response.context["cycle"].pk == plan.cycle.pk
    # a draft plan is not monitored: asking for its year gives 404
    url = reverse(f"measurement:{name}", args=args)
    assert enter(plan.users.admin, plan.ente).get(url, {"anno": 2026}).status_code == 404


def test_monitoring_picks_the_newest_approved_cycle(plan, enter):
    newer = Cycle.objects.create(
        ente=plan.ente, year=2026, first_year=2026, last_year=2028, title="PIAO 2026-2028",
        state=CycleState.APPROVED,
    )  # fmt: skip
    response = enter(plan.users.admin, plan.ente).get(reverse("measurement:home"))
    assert response.context["cycle"].pk == newer.pk
    assert [c.year for c in response.context["cycles"]] == [2026, 2025]
