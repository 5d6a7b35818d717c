"""The outputs of a distribution: per-person table, stanziato vs distribuito, bands, mean score,
personnel indicators, and the funds overview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from appraisal.models import Scheda
from rewards import selectors, services
from rewards.models import FundKind
from tests.rewards.builders import YEAR, make_cycle, make_member, make_scheme, validate_report

YEAR_START, YEAR_END = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)


def preview(case, amount="1000.00", **parameters):
    fund = services.fund_create(
        user=None,
        ente=case.ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount=amount,
    )
    return services.distribution_preview(
        user=None, fund=fund, cycle=case.cycle, parameters=parameters
    )


def test_outputs_reproduce_the_hand_computed_case(staff_case):
    outputs = selectors.distribution_outputs(preview(staff_case))
    table = {row["person_key"]: row for row in outputs["lines"]}
    assert table["anna-bianchi"]["name"] == "Bianchi Anna"
    assert table["anna-bianchi"]["total"] == "355.30"
    assert table["anna-bianchi"]["bonus"] == "75.00"
    assert table["carla-dini"]["total"] == "224.24"
    assert table["dario-esposito"]["total"] == "140.15"
    assert table["elena-fabbri"]["eligible"] is False
    assert [row["person_key"] for row in outputs["lines"]][0] == "anna-bianchi"
    assert "Maggiorazione" in table["anna-bianchi"]["explanation"]

    money = outputs["allocated_vs_distributed"]
    assert money["allocated"] == "1000"
    assert money["distributed"] == "999.99"
    assert money["residual"] == "0.01"
    assert money["rounding"] == "0.01"
    assert money["withheld"] == "0"
    assert money["text"] == (
        "Premialità stanziata 1.000,00\u00a0€, distribuita 999,99\u00a0€ (100\u00a0%); "
        "residuo 0,01\u00a0€, di cui 0,00\u00a0€ trattenuti per i tempi di pagamento e "
        "0,01\u00a0€ da arrotondamenti e quote non assegnate."
    )
    assert outputs["mean_score"]["value"] == "39.6"
    assert outputs["mean_score"]["text"].startswith(
        "Punteggio medio del personale valutato (5 persone): 39,60 su 60, pari a 66,00 su 100."
    )
    assert outputs["distribution"]["state"] == "preview"
    assert outputs["distribution"]["can_finalise"] is False
    assert any("art. 14 c.6" in p for p in outputs["distribution"]["finalisation_problems"])


def test_band_sentences(staff_case):
    outputs = selectors.distribution_outputs(preview(staff_case))
    assert [row["text"] for row in outputs["bands"]] == [
        "Valutazione compresa tra 54 e 60 punti: 2 dipendenti, 40\u00a0%",
        "Valutazione compresa tra 37 e 53 punti: 1 dipendente, 20\u00a0%",
        "Valutazione compresa tra 25 e 36 punti: 1 dipendente, 20\u00a0%",
        "Valutazione fino a 24 punti: 1 dipendente, 20\u00a0%",
    ]
    assert [row["count"] for row in outputs["bands"]] == [2, 1, 1, 1]


def test_the_sentence_of_the_published_tables(make_ente):
    ente = make_ente("comune-venti")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    for index in range(20):
        make_member(ente, cycle, scheme, f"dipendente-{index}", 54 + index % 7)
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="20000"
    )
    distribution = services.distribution_preview(user=None, fund=fund, cycle=cycle)
    bands = selectors.distribution_outputs(distribution)["bands"]
    assert [row["text"] for row in bands] == [
        "Valutazione compresa tra 54 e 60 punti: 20 dipendenti, 100\u00a0%"
    ]


def test_personnel_indicators_with_formulas(staff_case):
    """Fondo 1.690 / spesa 20.000 = 8,45 %; parte variabile 1.000 / 5 = 200 €; incentivati
    4 / 5 = 80 %; premio minimo 140,15 / massimo 355,30 = 39,445539 %; formati 4 / 5 = 80 %."""
    outputs = selectors.distribution_outputs(
        preview(
            staff_case,
            personnel_expense="20000",
            fund_total="1690",
            variable_part="1000",
            trained_count=4,
        )
    )
    rows = {row["code"]: row for row in outputs["indicators"]["rows"]}
    assert rows["incentivazione_complessiva"]["value"] == "8.45"
    assert rows["capacita_incentivazione"]["value"] == "200"
    assert rows["capacita_incentivazione"]["display"] == "200,00\u00a0€"
    assert rows["selettivita"]["value"] == "80"
    assert rows["differenziazione"]["value"] == "39.445539"
    assert rows["differenziazione"]["display"] == "39,45\u00a0%"
    assert rows["aggiornamento_professionale"]["value"] == "80"
    assert "Premio minimo erogato / Premio massimo erogato" in rows["differenziazione"]["formula"]
    assert "140,15\u00a0€ / 355,30\u00a0€" in rows["differenziazione"]["explanation"]["text"]


def test_indicators_without_inputs_say_what_is_missing(staff_case):
    outputs = selectors.distribution_outputs(preview(staff_case))
    rows = {row["code"]: row for row in outputs["indicators"]["rows"]}
    assert rows["incentivazione_complessiva"]["value"] is None
    assert (
        "manca la spesa per il personale"
        in rows["incentivazione_complessiva"]["explanation"]["text"]
    )
    assert rows["aggiornamento_professionale"]["display"] == "non calcolabile"
    assert rows["selettivita"]["value"] == "80"  # staff = the people of the distribution


def test_csv_rows_have_one_line_per_person(staff_case):
    rows = selectors.csv_rows(preview(staff_case))
    assert rows[0][0] == "cognome e nome"
    assert len(rows) == 6
    assert rows[1][0] == "Bianchi Anna" and rows[1][-1] == "355.30"


def test_outputs_run_in_a_constant_number_of_queries(staff_case, make_ente):
    small = preview(staff_case)
    with CaptureQueriesContext(connection) as few:
        selectors.distribution_outputs(small)
    ente = make_ente("comune-grande")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    for index in range(15):
        make_member(ente, cycle, scheme, f"persona-{index}", 30 + index)
    fund = services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="F", amount="5000"
    )
    large = services.distribution_preview(user=None, fund=fund, cycle=cycle)
    with CaptureQueriesContext(connection) as many:
        selectors.distribution_outputs(large)
    assert len(many) == len(few)


def test_funds_overview(staff_case):
    validate_report(staff_case.cycle)
    first = preview(staff_case)
    services.distribution_preview(user=None, fund=first.fund, cycle=staff_case.cycle)
    services.distribution_finalise(user=None, distribution=first)
    services.fund_create(
        user=None,
        ente=staff_case.ente,
        year=YEAR,
        kind=FundKind.ORGANISATIONAL,
        label="Performance organizzativa",
        amount="500",
    )
    rows = {row["fund"].kind: row for row in selectors.funds_overview(staff_case.ente, YEAR)}
    individual = rows[FundKind.INDIVIDUAL]
    assert individual["final"] == first
    assert individual["previews"] == 1
    assert individual["distributed"] == Decimal("999.99")
    assert rows[FundKind.ORGANISATIONAL]["final"] is None
    assert rows[FundKind.ORGANISATIONAL]["distributed"] is None


def test_the_population_is_read_as_tuples_sharing_one_scheme_and_band_instance(
    staff_case, django_assert_num_queries
):
    with django_assert_num_queries(3):  # schede with people, schemes, bands
        schede = selectors.population_schede(staff_case.cycle, managerial=False)
    assert len(schede) == 5
    assert [s.last_name for s in schede] == sorted(s.last_name for s in schede)
    assert len({id(s.scheme) for s in schede}) == 1
    with_band = [s for s in schede if s.band is not None]
    assert with_band
    by_band: dict[int, set[int]] = {}
    for scheda in with_band:
        by_band.setdefault(scheda.band.pk, set()).add(id(scheda.band))
    assert all(len(instances) == 1 for instances in by_band.values())
    # Each row holds what the model instance holds.
    stored = {
        s.pk: s for s in Scheda.objects.filter(cycle=staff_case.cycle).select_related("person")
    }
    for row in schede:
        scheda = stored[row.id]
        assert row.person_id == scheda.person_id
        assert (row.person_key, row.last_name, row.first_name) == (
            scheda.person.key,
            scheda.person.last_name,
            scheda.person.first_name,
        )
        assert row.label == f"{scheda.person.last_name} {scheda.person.first_name}"
        assert (row.state, row.total_points, row.premium_percent) == (
            scheda.state,
            scheda.total_points,
            scheda.premium_percent,
        )
        assert (row.is_negative, row.is_eligible, row.eligibility_note) == (
            scheda.is_negative,
            scheda.is_eligible,
            scheda.eligibility_note,
        )
        assert row.scheme.pk == scheda.scheme_id
        assert (row.band.pk if row.band else None) == scheda.band_id
    with django_assert_num_queries(2):
        people = selectors.population_people(staff_case.cycle, managerial=False)
        contracts = selectors.employments_of(people)
        selectors.absences_of(people, YEAR_START, YEAR_END)
    assert contracts == selectors.employments_of(s.person_id for s in schede)
    for row in schede:
        expected = list(
            stored[row.id]
            .person.employments.order_by("start_date", "id")
            .values_list("start_date", "part_time_percent", "role")
        )
        assert [(r.start_date, r.part_time_percent, r.role) for r in contracts[row.person_id]] == (
            expected
        )


def test_the_preview_is_computed_with_the_cycle_collector_paused(staff_case, monkeypatch):
    import gc

    seen = []
    population = services._population

    def spy(fund, cycle):
        seen.append(gc.isenabled())
        return population(fund, cycle)

    monkeypatch.setattr(services, "_population", spy)
    preview(staff_case)
    assert seen == [False]
    assert gc.isenabled()
