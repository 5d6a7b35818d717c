"""The payment-time objectives scored from the invoices, and their effect on the premiums."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from measurement.models import Measurement
from payments import objectives, services
from payments.demo import load_demo_invoices
from planning.models import Indicator
from rewards.models import Fund, FundKind
from rewards.services import distribution_preview

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"
YEAR_END = dt.date(2024, 12, 31)

pytestmark = pytest.mark.django_db


@pytest.fixture
def sorbara(db):
    call_command("import_cycle", str(DATA / "unione-sorbara-2024.json"))
    load_demo_invoices(data_dir=DATA)
    from planning.models import Cycle

    return Cycle.objects.get(ente__slug="unione-sorbara", year=2024)


def value(cycle, key: str) -> Measurement:
    indicator = Indicator.objects.get(cycle=cycle, key=key)
    return Measurement.objects.get(indicator=indicator, period_end=YEAR_END)


def test_each_responsabile_objective_is_measured_from_the_invoices(sorbara):
    expected = {
        "pl-tempi-pagamento-indicatore": Decimal(0),  # Polizia Locale, +6 days
        "bil-tempi-pagamento-indicatore": Decimal(100),
        "soc-tempi-pagamento-indicatore": Decimal(100),
        "ag-tempi-pagamento-indicatore": Decimal(100),
        "edu-tempi-pagamento-indicatore": Decimal(100),
    }
    for key, percent in expected.items():
        measurement = value(sorbara, key)
        assert measurement.value == percent, key
        assert measurement.entered_by is None
        assert measurement.note.startswith(objectives.SOURCE_NOTE)
    pl = value(sorbara, "pl-tempi-pagamento-indicatore")
    assert "28.000,00 / 4.500,00 = 6,22 giorni" in pl.note
    assert "non raggiunto" in pl.deviation_note


def test_the_withholding_follows_the_invoices(sorbara):
    fund = Fund.objects.get(ente=sorbara.ente, year=2024, kind=FundKind.EQ_RESULT)
    # The parameters of the demo's own distribution (position allowances of the EQ).
    parameters = fund.distributions.order_by("pk").first().parameters
    before = distribution_preview(user=None, fund=fund, cycle=sorbara, parameters=parameters)
    line = before.lines.get(person__key="comandante-pl")
    assert line.withheld_amount > 0
    # The Polizia Locale pays its invoices on time after all: the late payments are moved to
    # their due dates in a corrected export, and the figures are recomputed.
    corrected = (DATA / "unione-sorbara-2024-fatture.csv").read_bytes()
    for late, on_time in (
        (b"12/03/2024;1.000,00", b"02/03/2024;1.000,00"),
        (b"03/06/2024;500,00", b"01/06/2024;500,00"),
        (b"08/10/2024;2.000,00", b"02/10/2024;2.000,00"),
        (b"10/11/2024;500,00", b"31/10/2024;500,00"),
    ):
        assert late in corrected
        corrected = corrected.replace(late, on_time)
    services.import_invoices(
        user=None, ente=sorbara.ente, content=corrected, filename="rettifica.csv"
    )
    assert value(sorbara, "pl-tempi-pagamento-indicatore").value == Decimal(100)
    after = distribution_preview(user=None, fund=fund, cycle=sorbara, parameters=parameters)
    assert after.lines.get(person__key="comandante-pl").withheld_amount == 0


def test_the_ente_wide_rule_scores_everyone_on_the_ente_indicator(sorbara):
    services.rules_update(
        user=None,
        ente=sorbara.ente,
        data={"unpaid_reference": "year_end", "objective_scope": "ente"},
    )
    # The ente's ritardo is −5 days: every objective is achieved, Polizia Locale included.
    assert value(sorbara, "pl-tempi-pagamento-indicatore").value == Decimal(100)


def test_the_consorzio_pcc_table_is_measured(db):
    call_command("import_cycle", str(DATA / "consorzio-socio-assistenziale-2021.json"))
    load_demo_invoices(data_dir=DATA)
    from planning.models import Cycle

    cycle = Cycle.objects.get(ente__slug="consorzio-socio-assistenziale", year=2021)
    year_end = dt.date(2021, 12, 31)

    def measured(key):
        indicator = Indicator.objects.get(cycle=cycle, key=key)
        return Measurement.objects.get(indicator=indicator, period_end=year_end)

    assert measured("pcc-1").value == Decimal("2.0202")  # incidence of the overdue stock
    assert measured("pcc-2").value == Decimal("95.0000")  # stock against 2020
    assert measured("pcc-3").value == Decimal("12.0000")  # ritardo, whole days
    assert measured("pcc-3").note.startswith(objectives.SOURCE_NOTE)


def test_recomputing_with_the_same_data_writes_nothing_new(sorbara):
    from core.models import AuditEntry

    count = AuditEntry.objects.filter(action__startswith="measurement.").count()
    services.reports_recompute(ente=sorbara.ente)
    assert AuditEntry.objects.filter(action__startswith="measurement.").count() == count


def test_the_dashboard_lists_the_objectives_with_their_calculation(sorbara, client):
    from accounts.middleware import SESSION_KEY
    from accounts.models import Membership, MembershipRole, User
    from organization.models import Person

    def enter(username, role, person_key=None):
        user = User.objects.create_user(username=username, password="x-Performa-1")
        person = Person.objects.get(ente=sorbara.ente, key=person_key) if person_key else None
        Membership.objects.create(user=user, ente=sorbara.ente, role=role, person=person)
        client.force_login(user)
        session = client.session
        session[SESSION_KEY] = sorbara.ente.pk
        session.save()

    enter("segretario", MembershipRole.ADMIN)
    html = client.get("/pagamenti/?anno=2024").content.decode()
    assert "Obiettivi «Rispetto dei tempi di pagamento» 2024" in html
    assert "AREA POLIZIA LOCALE (SUB AMBITO)" in html and "Non raggiunto" in html
    enter("comandante", MembershipRole.RESPONSABILE, "comandante-pl")
    html = client.get("/pagamenti/?anno=2024").content.decode()
    assert "AREA POLIZIA LOCALE (SUB AMBITO)" in html
    assert "BILANCIO" not in html


def test_the_documents_read_the_figures_and_the_trend(sorbara):
    from payments.selectors import document_figures

    figures = document_figures(sorbara.ente, 2024)
    assert figures["delay"]["value"] == "-5.209026"
    assert [row["year"] for row in figures["delay_trend"]] == [2023, 2024]
    assert len(figures["objectives"]) == 5
    assert document_figures(sorbara.ente, 2019) is None
