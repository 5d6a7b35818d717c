"""Pages of individual evaluation: who sees what, the workflow buttons, the view log, the PDF."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from accounts.access import ADMIN
from appraisal import services
from appraisal.models import Scheda, SchedaState, SchedaView
from planning.models import Cycle, CycleState
from tests.appraisal.conftest import staff_items

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(make_ente, make_person, make_user):
    """Another ente with a cycle, a scheme and a scheda: its ids must give 404 here."""
    from types import SimpleNamespace

    from appraisal.models import EvaluationScheme

    ente = make_ente("altro-ente", name="Comune Altro")
    cycle = Cycle.objects.create(
        ente=ente, year=2025, first_year=2025, last_year=2027, title="PIAO", state=CycleState.DRAFT
    )
    scheme = EvaluationScheme.objects.create(cycle=cycle, key="s", name="Schema altrui")
    person = make_person(ente, "altro", first_name="Ada", last_name="Lontana")
    scheda = Scheda.objects.create(
        cycle=cycle, person=person, scheme=scheme, evaluator_kind="nucleo"
    )
    return SimpleNamespace(ente=ente, cycle=cycle, scheme=scheme, scheda=scheda)


def detail(scheda):
    return reverse("appraisal:scheda_detail", args=[scheda.pk])


def score(org, scheda, user, **kwargs):
    services.scheda_score(user=user, scheda=scheda, items=staff_items(**kwargs))


def deliver(org, scheda, evaluator):
    score(org, scheda, evaluator)
    services.scheda_propose(user=evaluator, scheda=scheda)
    services.scheda_record_interview(
        user=evaluator, scheda=scheda, date=timezone.localdate(), notes="Colloquio sereno."
    )
    services.scheda_deliver(user=evaluator, scheda=scheda)


# -- access ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["index", "evaluator_list", "my_scheda", "nucleo_overview", "aggregates", "scheme_list"],
)
def test_anonymous_is_sent_to_login(client, org, name):
    response = client.get(reverse(f"appraisal:{name}"))
    assert response.status_code == 302
    assert "/accedi/" in response["Location"]


def test_anonymous_cannot_open_a_scheda_or_its_pdf(client, org, schede):
    scheda = schede["agente"]
    for url in (detail(scheda), reverse("appraisal:scheda_pdf", args=[scheda.pk])):
        assert client.get(url).status_code == 302


def test_scheda_readers_and_refusals(org, schede, enter):
    scheda = schede["agente"]
    allowed = [org.users.agente, org.users.comandante, org.users.nucleo, org.users.admin]
    refused = [org.users.giunta, org.users.impiegata, org.users.ragioniera]
    for user in allowed:
        assert enter(user, org.ente).get(detail(scheda)).status_code == 200, user.username
    for user in refused:
        assert enter(user, org.ente).get(detail(scheda)).status_code == 403, user.username


def test_giunta_sees_aggregates_without_names(org, schede, enter):
    score(org, schede["agente"], org.users.comandante)
    client = enter(org.users.giunta, org.ente)
    response = client.get(reverse("appraisal:aggregates"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Punteggio medio" in body and "54–60 punti" in body
    for person in vars(org.people).values():
        assert person.last_name not in body
    assert client.get(reverse("appraisal:nucleo_overview")).status_code == 403
    assert client.get(reverse("appraisal:scheme_list")).status_code == 403


def test_another_entes_ids_give_404(org, other, enter):
    client = enter(org.users.admin, org.ente)
    urls = [
        detail(other.scheda),
        reverse("appraisal:scheda_edit", args=[other.scheda.pk]),
        reverse("appraisal:scheda_pdf", args=[other.scheda.pk]),
        reverse("appraisal:scheda_reopen", args=[other.scheda.pk]),
        reverse("appraisal:scheme_edit", args=[other.scheme.pk]),
        reverse("appraisal:scheme_components", args=[other.scheme.pk]),
        reverse("documents:report_validate", args=[other.cycle.pk]),
    ]
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert (
        client.post(reverse("appraisal:scheda_propose", args=[other.scheda.pk])).status_code == 404
    )


def test_unknown_year_gives_404(org, enter):
    client = enter(org.users.admin, org.ente)
    assert client.get(reverse("appraisal:evaluator_list"), {"anno": 1999}).status_code == 404


# -- the view log ----------------------------------------------------------------------------


def test_view_is_logged_for_the_evaluator_not_for_the_evaluated_person(org, schede, enter):
    scheda = schede["agente"]
    enter(org.users.agente, org.ente).get(detail(scheda))
    enter(org.users.agente, org.ente).get(reverse("appraisal:my_scheda"))
    assert not SchedaView.objects.filter(scheda=scheda).exists()
    enter(org.users.comandante, org.ente).get(detail(scheda))
    assert list(SchedaView.objects.filter(scheda=scheda).values_list("user", flat=True)) == [
        org.users.comandante.pk
    ]
    enter(org.users.nucleo, org.ente).get(reverse("appraisal:scheda_pdf", args=[scheda.pk]))
    assert SchedaView.objects.filter(scheda=scheda, user=org.users.nucleo).count() == 1


def test_refused_reader_leaves_no_log(org, schede, enter):
    scheda = schede["agente"]
    enter(org.users.impiegata, org.ente).get(detail(scheda))
    assert not SchedaView.objects.exists()


# -- evaluator -------------------------------------------------------------------------------


def test_evaluator_list_shows_own_schede_and_progress(org, schede, enter):
    body = enter(org.users.comandante, org.ente).get(reverse("appraisal:evaluator_list"))
    text = body.content.decode()
    assert body.status_code == 200
    assert "Gialli Paolo" in text or "Paolo Gialli" in text
    assert "Blu" not in text  # the impiegata is the ragioniera's
    assert "Le tue schede per stato" in text


def test_edit_page_shows_descriptors_as_radios_and_version(org, schede, enter):
    from appraisal.models import Behaviour

    Behaviour.objects.filter(pk=org.behaviours.collaborazione.pk).update(
        levels=[{"score": s, "descriptor": f"Livello {s} di collaborazione"} for s in range(1, 6)]
    )
    scheda = schede["agente"]
    response = enter(org.users.comandante, org.ente).get(
        reverse("appraisal:scheda_edit", args=[scheda.pk])
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert 'type="radio"' in body
    assert "3 – Livello 3 di collaborazione" in body
    assert f'name="expected_version" value="{scheda.version}"' in body
    assert 'id="score-preview"' in body and 'aria-live="polite"' in body
    assert reverse("appraisal:scheda_score_preview", args=[scheda.pk]) in body


def _score_post(org, scheda, unit="80", collaborazione="4", precisione="5", version=None):
    components = {c.key: c for c in scheda.scheme.components.all()}
    beh, unit_component = components["comportamenti"], components["unita"]
    return {
        "expected_version": version if version is not None else scheda.version,
        f"c{beh.pk}_b{org.behaviours.collaborazione.pk}": collaborazione,
        f"c{beh.pk}_b{org.behaviours.precisione.pk}": precisione,
        f"c{unit_component.pk}_c": unit,
    }


def test_a_percent_typed_wrong_is_refused_in_the_preview(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.comandante, org.ente)
    url = reverse("appraisal:scheda_score_preview", args=[scheda.pk])
    body = client.post(
        url, _score_post(org, scheda, unit="1,700.5"), HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "non è un numero" in body and "52,20 punti" not in body
    body = client.post(url, _score_post(org, scheda, unit="1.000"), HTTP_HX_REQUEST="true")
    assert "il grado va da 0 a 100" in body.content.decode()


def test_preview_computes_total_and_band_without_saving(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.comandante, org.ente)
    url = reverse("appraisal:scheda_score_preview", args=[scheda.pk])
    response = client.post(url, _score_post(org, scheda), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    # 30% × 80 = 14,4 + 70% × (4+5)/2 / 5 → 0,9 × 42 = 37,8 → 52,20 of 60
    assert "52,20 punti su 60" in body
    assert "premio al 80,00\u00a0%" in body
    scheda.refresh_from_db()
    assert scheda.total_points is None
    assert not scheda.items.exists()


def test_preview_reports_missing_ratings(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.comandante, org.ente)
    url = reverse("appraisal:scheda_score_preview", args=[scheda.pk])
    body = client.post(url, _score_post(org, scheda, precisione="")).content.decode()
    assert "Totale non ancora calcolabile" in body
    assert "Manca il voto di «Precisione»" in body


def test_evaluator_saves_scores_then_proposes(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.comandante, org.ente)
    response = client.post(
        reverse("appraisal:scheda_edit", args=[scheda.pk]), _score_post(org, scheda)
    )
    assert response.status_code == 302
    scheda.refresh_from_db()
    assert str(scheda.total_points) == "52.20"
    body = client.get(detail(scheda)).content.decode()
    assert "Proponi la valutazione" in body
    client.post(reverse("appraisal:scheda_propose", args=[scheda.pk]))
    scheda.refresh_from_db()
    assert scheda.state == SchedaState.PROPOSED


def test_stale_version_is_refused_next_to_the_form(org, schede, enter):
    scheda = schede["agente"]
    score(org, scheda, org.users.comandante)
    client = enter(org.users.comandante, org.ente)
    response = client.post(
        reverse("appraisal:scheda_edit", args=[scheda.pk]),
        _score_post(org, scheda, unit="10", version=1),
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    scheda.refresh_from_db()
    assert str(scheda.total_points) == "52.20"


def test_colleague_cannot_score_or_propose(org, schede, enter):
    scheda = schede["agente"]
    client = enter(org.users.ragioniera, org.ente)
    assert client.get(reverse("appraisal:scheda_edit", args=[scheda.pk])).status_code == 403
    assert client.post(reverse("appraisal:scheda_propose", args=[scheda.pk])).status_code == 403


def test_interview_and_delivery(org, schede, enter):
    scheda = schede["agente"]
    score(org, scheda, org.users.comandante)
    services.scheda_propose(user=org.users.comandante, scheda=scheda)
    client = enter(org.users.comandante, org.ente)
    url = reverse("appraisal:scheda_interview", args=[scheda.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"date": timezone.localdate().isoformat(), "notes": "Svolto."})
    assert response.status_code == 302
    client.post(reverse("appraisal:scheda_deliver", args=[scheda.pk]))
    scheda.refresh_from_db()
    assert scheda.state == SchedaState.DELIVERED


# -- evaluated person ------------------------------------------------------------------------


def test_my_scheda_shows_deadline_and_buttons_then_acknowledges(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    client = enter(org.users.agente, org.ente)
    body = client.get(reverse("appraisal:my_scheda")).content.decode()
    deadline = services.contest_deadline(scheda)
    assert "Firma per presa visione" in body
    assert "Contesta la scheda" in body
    assert f"entro il <strong>{deadline:%d/%m/%Y}</strong>" in body
    assert "Storia della scheda" in body and "Consegnata" in body
    client.post(reverse("appraisal:scheda_acknowledge", args=[scheda.pk]))
    scheda.refresh_from_db()
    assert scheda.state == SchedaState.ACKNOWLEDGED


def test_contest_starts_conciliation_then_nucleo_decides(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    client = enter(org.users.agente, org.ente)
    url = reverse("appraisal:scheda_contest", args=[scheda.pk])
    assert "Puoi contestare la scheda entro il" in client.get(url).content.decode()
    client.post(url, {"reason": "La collaborazione è sottovalutata."})
    scheda.refresh_from_db()
    assert scheda.state == SchedaState.CONTESTED

    nucleo = enter(org.users.nucleo, org.ente)
    schedule = reverse("appraisal:conciliation_schedule", args=[scheda.pk])
    response = nucleo.post(schedule, {"meeting_date": timezone.localdate().isoformat()})
    assert response.status_code == 302
    decide = reverse("appraisal:conciliation_decide", args=[scheda.pk])
    response = nucleo.post(
        decide,
        {
            "outcome": "confirmed",
            "outcome_text": "Valutazione coerente con le evidenze.",
            "decided_by": "Nucleo di Valutazione",
        },
    )
    assert response.status_code == 302
    scheda.refresh_from_db()
    assert scheda.conciliation.outcome == "confirmed"


def test_colleague_cannot_acknowledge_or_contest(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    client = enter(org.users.impiegata, org.ente)
    assert client.post(reverse("appraisal:scheda_acknowledge", args=[scheda.pk])).status_code == 403
    assert client.get(reverse("appraisal:scheda_contest", args=[scheda.pk])).status_code == 403


def test_my_scheda_without_person(org, enter):
    body = enter(org.users.nucleo, org.ente).get(reverse("appraisal:my_scheda")).content.decode()
    assert "non è collegato a una persona" in body


# -- PDF -------------------------------------------------------------------------------------


def test_pdf_of_the_scheda(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    response = enter(org.users.agente, org.ente).get(
        reverse("appraisal:scheda_pdf", args=[scheda.pk])
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert not SchedaView.objects.exists()


def test_pdf_refused_to_giunta_and_colleagues(org, schede, enter):
    url = reverse("appraisal:scheda_pdf", args=[schede["agente"].pk])
    assert enter(org.users.giunta, org.ente).get(url).status_code == 403
    assert enter(org.users.impiegata, org.ente).get(url).status_code == 403


def test_pdf_html_has_the_ente_person_items_and_signatures(org, schede):
    from appraisal.pdf import scheda_html
    from appraisal.selectors import scheda_detail

    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    html = scheda_html(scheda_detail(scheda))
    assert org.ente.name in html
    assert str(scheda.person) in html
    assert "Collaborazione" in html and "Precisione" in html
    assert "52,20 su 60" in html
    assert "80,00\u00a0%" in html
    assert "Firme" in html and "per presa visione" in html
    assert "Consegnata" in html


# -- Nucleo ----------------------------------------------------------------------------------


def test_nucleo_overview_lists_anomalies(org, schede, enter):
    for key in ("agente",):
        score(org, schede[key], org.users.comandante, unit="10", collaborazione=1, precisione=1)
    response = enter(org.users.nucleo, org.ente).get(reverse("appraisal:nucleo_overview"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Valutazioni negative" in body
    assert "Relazione sulla performance 2025" in body
    assert reverse("documents:report_validate", args=[org.cycle.pk]) in body


def _validate_report(org, enter, validated_on: dt.date):
    client = enter(org.users.nucleo, org.ente)
    url = reverse("documents:report_validate", args=[org.cycle.pk])
    assert client.get(url).status_code == 200
    return client.post(url, {"validated_on": validated_on.isoformat(), "act_label": "Verbale n. 2"})


def test_the_old_report_validation_address_redirects(org, enter):
    client = enter(org.users.nucleo, org.ente)
    old = reverse("appraisal:report_validate", args=[org.cycle.pk])
    response = client.get(old)
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:report_validate", args=[org.cycle.pk])


def test_only_the_nucleo_or_an_admin_validates_the_report(org, enter):
    url = reverse("documents:report_validate", args=[org.cycle.pk])
    assert enter(org.users.comandante, org.ente).get(url).status_code == 403


def test_nucleo_records_report_validation(org, enter):
    validated_on = dt.date(org.cycle.year + 1, 1, 15)
    with time_machine.travel(dt.datetime(org.cycle.year + 1, 3, 1, 12), tick=False):
        response = _validate_report(org, enter, validated_on)
    assert response.status_code == 302
    assert org.cycle.report_validation.act_label == "Verbale n. 2"
    assert org.cycle.report_validation.validated_on == validated_on


def test_report_validation_cannot_be_dated_in_the_future(org, enter):
    with time_machine.travel(dt.datetime(org.cycle.year + 1, 1, 10, 12), tick=False):
        response = _validate_report(org, enter, dt.date(org.cycle.year + 1, 1, 15))
    assert response.status_code == 200
    assert "non può essere futura" in response.content.decode()


def test_reopen_with_reason(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    client = enter(org.users.nucleo, org.ente)
    url = reverse("appraisal:scheda_reopen", args=[scheda.pk])
    response = client.post(url, {"to_state": "draft", "reason": "Errore nel punteggio."})
    assert response.status_code == 302
    scheda.refresh_from_db()
    assert scheda.state == SchedaState.DRAFT
    assert scheda.transitions.filter(is_reopening=True).exists()
    assert enter(org.users.comandante, org.ente).get(url).status_code == 403


# -- administrator ---------------------------------------------------------------------------


def test_scheme_list_shows_validation_and_generates(org, enter):
    client = enter(org.users.admin, org.ente)
    body = client.get(reverse("appraisal:scheme_list")).content.decode()
    assert "Personale dei livelli" in body
    assert "è completo e coerente" in body
    response = client.post(reverse("appraisal:schede_generate", args=[org.cycle.pk]))
    assert response.status_code == 302
    assert Scheda.objects.filter(cycle=org.cycle).exists()


def test_scheme_bands_page_writes_points_the_italian_way(org, enter):
    """Issue 7 item 14: «da 0 a 60 punti», not the raw «60.00» of the database."""
    client = enter(org.users.admin, org.ente)
    body = client.get(reverse("appraisal:scheme_bands", args=[org.staff.pk])).content.decode()
    assert "da 0 a 60 punti" in body
    assert "100\u00a0%" in body.replace("&nbsp;", "\u00a0")


def test_scheme_pages_refused_to_non_admins(org, enter):
    for user in (org.users.nucleo, org.users.comandante, org.users.agente):
        client = enter(user, org.ente)
        assert client.get(reverse("appraisal:scheme_list")).status_code == 403
        url = reverse("appraisal:scheme_bands", args=[org.staff.pk])
        assert client.get(url).status_code == 403


def test_bands_formset_shows_the_services_refusal(org, enter):
    client = enter(org.users.admin, org.ente)
    url = reverse("appraisal:scheme_bands", args=[org.staff.pk])
    assert client.get(url).status_code == 200
    data = {
        "fasce-TOTAL_FORMS": "2",
        "fasce-INITIAL_FORMS": "0",
        "fasce-MIN_NUM_FORMS": "0",
        "fasce-MAX_NUM_FORMS": "1000",
        "fasce-0-min_points": "30",
        "fasce-0-max_points": "60",
        "fasce-0-premium_percent": "100",
        "fasce-1-min_points": "0",
        "fasce-1-max_points": "20",
        "fasce-1-premium_percent": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 200
    assert 'class="alert alert-danger" role="alert"' in response.content.decode()


def test_behaviour_dictionary_with_levels(org, enter):
    client = enter(org.users.admin, org.ente)
    response = client.post(
        reverse("appraisal:behaviour_create"),
        {
            "key": "iniziativa",
            "name": "Iniziativa",
            "order": "4",
            "levels_text": "1: Scarsa\n5: Ottima",
        },
    )
    assert response.status_code == 302
    from appraisal.models import Behaviour

    behaviour = Behaviour.objects.get(ente=org.ente, key="iniziativa")
    assert behaviour.levels == [
        {"score": 1, "descriptor": "Scarsa"},
        {"score": 5, "descriptor": "Ottima"},
    ]
    response = client.post(
        reverse("appraisal:behaviour_create"),
        {"key": "x", "name": "X", "order": "1", "levels_text": "uno: niente"},
    )
    assert "non è un numero intero" in response.content.decode()


def test_platform_admin_role_name_is_admin():
    assert ADMIN == "admin"


def test_nucleo_overview_lists_a_scheda_without_unit(org, schede, enter):
    # Issue 7 item 8: one scheda without a unit broke the grouping and hid them all.
    Scheda.objects.filter(pk=schede["agente"].pk).update(unit=None)
    url = f"{reverse('appraisal:nucleo_overview')}?anno={org.cycle.year}"
    body = enter(org.users.nucleo, org.ente).get(url).content.decode()
    assert f"Nessuna scheda per il {org.cycle.year}" not in body
    section = body.split('id="tutte"', 1)[1]
    assert "Senza unità (" in section
    assert str(schede["agente"].person) in section.split("Senza unità (", 1)[1]
    for scheda in schede.values():
        assert str(scheda.person) in section


def test_scheda_history_names_the_person_not_the_login(org, schede, enter):
    scheda = schede["agente"]
    score(org, scheda, org.users.comandante)
    services.scheda_propose(user=org.users.comandante, scheda=scheda)
    body = enter(org.users.comandante, org.ente).get(detail(scheda)).content.decode()
    history = body[body.index("Passaggi di stato della scheda") :]
    history = history[: history.index("</table>")]
    assert "<td>Luca Verdi</td>" in history
    assert "<td>Elena Bassi</td>" in history and "<td>comandante</td>" not in history


def test_signing_a_scheda_asks_for_confirmation_stating_what_becomes_final(org, schede, enter):
    scheda = schede["agente"]
    deliver(org, scheda, org.users.comandante)
    body = enter(org.users.agente, org.ente).get(detail(scheda)).content.decode()
    form = body[body.index(reverse("appraisal:scheda_acknowledge", args=[scheda.pk])) :]
    form = form[: form.index(">")]
    assert 'data-confirm="Firmare la scheda per presa visione? La firma non si annulla' in form
