"""Pages of funds and premium distributions: who sees what, the what-if, the gates."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from rewards import services
from rewards.models import Distribution, DistributionState, Fund, FundKind
from tests.rewards.builders import make_cycle, validate_report

pytestmark = pytest.mark.django_db


@pytest.fixture
def fund(staff_case):
    return services.fund_create(
        user=staff_case.admin,
        ente=staff_case.ente,
        year=2025,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount=Decimal("10000.00"),
    )


@pytest.fixture
def other_fund(make_ente):
    ente = make_ente("comune-altro", name="Comune Altro")
    make_cycle(ente)
    return Fund.objects.create(
        ente=ente, year=2025, kind=FundKind.INDIVIDUAL, label="Fondo altrui", amount=Decimal("5")
    )


def preview(case, fund, **parameters):
    return services.distribution_preview(
        user=case.admin, fund=fund, cycle=case.cycle, parameters=parameters or None
    )


def test_anonymous_is_sent_to_login(client, staff_case, fund):
    for url in (
        reverse("rewards:fund_list"),
        reverse("rewards:fund_create"),
        reverse("rewards:distribution_preview", args=[fund.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accedi/" in response["Location"]


def test_fund_list_by_role(staff_case, fund, enter):
    for user in (staff_case.admin, staff_case.nucleo, staff_case.giunta):
        response = enter(user, staff_case.ente).get(reverse("rewards:fund_list"))
        assert response.status_code == 200, user.username
        assert "Performance individuale" in response.content.decode()
    assert (
        enter(staff_case.dipendente, staff_case.ente).get(reverse("rewards:fund_list")).status_code
        == 403
    )


def test_admin_creates_and_edits_a_fund(staff_case, enter):
    client = enter(staff_case.admin, staff_case.ente)
    response = client.post(
        reverse("rewards:fund_create"),
        {
            "year": "2025",
            "kind": FundKind.ORGANISATIONAL,
            "label": "Performance organizzativa",
            "amount": "4000",
        },
    )
    assert response.status_code == 302
    created = Fund.objects.get(ente=staff_case.ente, kind=FundKind.ORGANISATIONAL)
    response = client.post(
        reverse("rewards:fund_edit", args=[created.pk]),
        {"label": "Performance organizzativa 2025", "amount": "4500"},
    )
    assert response.status_code == 302
    created.refresh_from_db()
    assert created.amount == Decimal("4500.00")


def test_refused_fund_shows_the_message_next_to_the_field(staff_case, enter):
    client = enter(staff_case.admin, staff_case.ente)
    response = client.post(
        reverse("rewards:fund_create"),
        {"year": "2025", "kind": FundKind.INDIVIDUAL, "label": "X", "amount": "10,555"},
    )
    assert response.status_code == 200
    assert 'role="alert"' in response.content.decode()
    assert not Fund.objects.filter(ente=staff_case.ente).exists()


def test_fund_pages_refused_to_nucleo_and_giunta(staff_case, fund, enter):
    for user in (staff_case.nucleo, staff_case.giunta):
        client = enter(user, staff_case.ente)
        assert client.get(reverse("rewards:fund_create")).status_code == 403
        assert client.get(reverse("rewards:fund_edit", args=[fund.pk])).status_code == 403
        url = reverse("rewards:distribution_preview", args=[fund.pk])
        assert client.get(url).status_code == 403


def test_another_entes_ids_give_404(staff_case, other_fund, enter):
    client = enter(staff_case.admin, staff_case.ente)
    assert client.get(reverse("rewards:fund_edit", args=[other_fund.pk])).status_code == 404
    url = reverse("rewards:distribution_preview", args=[other_fund.pk])
    assert client.get(url).status_code == 404
    foreign = Distribution.objects.create(
        fund=other_fund,
        cycle=other_fund.ente.cycles.get(),
        total_paid=Decimal("0"),
        residual=Decimal("5"),
    )
    assert client.get(reverse("rewards:distribution_detail", args=[foreign.pk])).status_code == 404
    finalise = reverse("rewards:distribution_finalise", args=[foreign.pk])
    assert client.post(finalise).status_code == 404


def test_what_if_preview_with_htmx(staff_case, fund, enter):
    client = enter(staff_case.admin, staff_case.ente)
    url = reverse("rewards:distribution_preview", args=[fund.pk])
    page = client.get(url).content.decode()
    assert 'name="differentiation_share_percent"' in page
    assert 'name="maggiorazione_percent"' in page
    assert 'id="preview-results" aria-live="polite"' in page
    response = client.post(
        url,
        {"differentiation_share_percent": "25", "maggiorazione_percent": "40"},
        HTTP_HX_REQUEST="true",
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    distribution = Distribution.objects.get(fund=fund)
    assert distribution.state == DistributionState.PREVIEW
    assert distribution.parameters["maggiorazione_percent"] == "40"
    assert "Premialità stanziata" in body
    assert "Valutazione compresa tra 54 e 60 punti: 2 dipendenti" in body
    assert "Bianchi Anna" in body
    assert "Punteggio medio" in body
    assert "Indicatori del personale" in body
    assert "art. 20" in body
    # The gates: the Relazione is not validated yet, so no finalisation button.
    assert "non è validata dal Nucleo" in body
    assert "Rendi definitiva la distribuzione</button>" not in body


def test_what_if_refuses_a_maggiorazione_below_30(staff_case, fund, enter):
    client = enter(staff_case.admin, staff_case.ente)
    url = reverse("rewards:distribution_preview", args=[fund.pk])
    response = client.post(
        url, {"differentiation_share_percent": "10", "maggiorazione_percent": "20"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "almeno il 30" in body
    assert not Distribution.objects.filter(fund=fund).exists()


def test_finalise_after_the_gates(staff_case, fund, enter):
    validate_report(staff_case.cycle)
    distribution = preview(staff_case, fund)
    client = enter(staff_case.admin, staff_case.ente)
    detail = reverse("rewards:distribution_detail", args=[distribution.pk])
    assert "Rendi definitiva la distribuzione</button>" in client.get(detail).content.decode()
    response = client.post(reverse("rewards:distribution_finalise", args=[distribution.pk]))
    assert response.status_code == 302
    distribution.refresh_from_db()
    assert distribution.state == DistributionState.FINAL


def test_finalise_refused_shows_every_gate(staff_case, fund, enter):
    distribution = preview(staff_case, fund)
    client = enter(staff_case.admin, staff_case.ente)
    response = client.post(
        reverse("rewards:distribution_finalise", args=[distribution.pk]), follow=True
    )
    body = response.content.decode()
    assert "non può diventare definitiva" in body
    assert "Relazione sulla performance 2025 non è validata" in body
    distribution.refresh_from_db()
    assert distribution.state == DistributionState.PREVIEW


def test_distribution_readers(staff_case, fund, enter):
    distribution = preview(staff_case, fund)
    url = reverse("rewards:distribution_detail", args=[distribution.pk])
    assert enter(staff_case.nucleo, staff_case.ente).get(url).status_code == 200
    body = enter(staff_case.nucleo, staff_case.ente).get(url).content.decode()
    assert "Rendi definitiva" not in body
    for user in (staff_case.giunta, staff_case.dipendente):
        assert enter(user, staff_case.ente).get(url).status_code == 403
    finalise = reverse("rewards:distribution_finalise", args=[distribution.pk])
    assert enter(staff_case.nucleo, staff_case.ente).post(finalise).status_code == 403


def test_distribution_page_writes_amounts_the_italian_way(staff_case, fund, enter):
    """Issue 7 item 14: «10.000,00 €» with the thousands dot and a non-breaking space, never
    «10000,00 €» (the € wrapping alone onto the next line)."""
    client = enter(staff_case.admin, staff_case.ente)
    response = client.get(reverse("rewards:distribution_preview", args=[fund.pk]))
    assert response.status_code == 200
    assert "stanziato 10.000,00\u00a0€" in response.content.decode()


def test_a_scheda_paid_by_a_final_distribution_is_not_reopened(staff_case, fund):
    """The premiums' rule, given to appraisal by rewards (issue 8 §4: appraisal imports no
    rewards): a draft distribution lets the scheda reopen, a final one does not."""
    from appraisal.services import REOPEN_GUARDS, scheda_reopen
    from core.exceptions import ServiceError
    from rewards.selectors import final_distribution_guard

    assert final_distribution_guard in REOPEN_GUARDS
    distribution = preview(staff_case, fund)
    lines = [line for line in distribution.lines.select_related("scheda") if line.scheda]
    draft_line, final_line = lines[0], lines[1]
    assert final_distribution_guard(draft_line.scheda) == ""
    Distribution.objects.filter(pk=distribution.pk).update(state=DistributionState.FINAL)
    with pytest.raises(ServiceError, match="distribuzione dei premi definitiva") as error:
        scheda_reopen(
            user=staff_case.admin, scheda=final_line.scheda, to_state="delivered", reason="Errore"
        )
    assert error.value.code == "frozen"
