"""Issue 7 (premiums and evaluation): equal treatment of ties, the integrative contract's rules,
the contract in force for the year, the evaluated population of the band tables."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from core.exceptions import ServiceError
from rewards import selectors, services
from rewards.models import FundKind
from tests.rewards.builders import YEAR, make_cycle, make_member, make_scheme


@pytest.fixture
def tied_case(make_ente, make_user):
    """Ten dipendenti; the two top ones alike in everything (score, category, part-time,
    service) but the order in which they were stored."""
    from accounts.access import ADMIN

    ente = make_ente("comune-pari", name="Comune di Parimerito")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    schede = [
        make_member(ente, cycle, scheme, f"persona-{index}", 40 + index) for index in range(8)
    ]
    schede += [
        make_member(ente, cycle, scheme, "zeno-primo", 58),
        make_member(ente, cycle, scheme, "alba-seconda", 58),
    ]
    admin = make_user("admin", ente, ADMIN)
    fund = services.fund_create(
        user=admin,
        ente=ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount="20000.00",
    )
    return ente, cycle, fund, admin, schede


def _by_key(distribution):
    return {row["person_key"]: row for row in selectors.distribution_outputs(distribution)["lines"]}


def test_equal_people_receive_equal_premiums(tied_case):
    ente, cycle, fund, admin, _ = tied_case
    distribution = services.distribution_preview(user=admin, fund=fund, cycle=cycle)
    rows = _by_key(distribution)
    assert rows["zeno-primo"]["total"] == rows["alba-seconda"]["total"]
    assert Decimal(rows["zeno-primo"]["bonus"]) > 0
    outputs = selectors.distribution_outputs(distribution)
    assert "restano a pari merito dopo tutti i criteri" in outputs["differentiation"]["cutoff_text"]


def test_the_integrative_contract_chooses_how_ties_are_treated(tied_case):
    ente, cycle, fund, admin, _ = tied_case
    services.integrative_contract_save(
        user=admin,
        ente=ente,
        label="CCDI 2023-2025",
        act_label="sottoscritto il 12/12/2023",
        first_year=2023,
        last_year=2025,
        parameters={"cutoff_ties": "share", "tie_break": ["score", "seniority"]},
    )
    assert services.distribution_parameters_default(fund)["cutoff_ties"] == "share"
    sources = services.distribution_parameter_sources(fund)
    assert sources["cutoff_ties"] == "CCDI 2023-2025 (sottoscritto il 12/12/2023)"
    distribution = services.distribution_preview(user=admin, fund=fund, cycle=cycle)
    rows = _by_key(distribution)
    full = Decimal(distribution.result["computed"]["differentiation"]["amount"])
    # One maggiorazione (10 % of 10) shared by the two tied people.
    assert Decimal(rows["zeno-primo"]["bonus"]) == Decimal(rows["alba-seconda"]["bonus"])
    assert Decimal(rows["zeno-primo"]["bonus"]) == (full / 2).quantize(Decimal("0.01"))


def test_the_id_is_refused_as_a_criterion(tied_case):
    ente, cycle, fund, admin, _ = tied_case
    with pytest.raises(services.ParameterError) as refusal:
        services.distribution_preview(
            user=admin, fund=fund, cycle=cycle, parameters={"tie_break": ["score", "id"]}
        )
    assert "ordine di registrazione" in refusal.value.errors["tie_break"]
    with pytest.raises(ServiceError):
        services.integrative_contract_save(
            user=admin, ente=ente, label="CCDI", first_year=2024, parameters={"colore": "blu"}
        )


@pytest.fixture
def relazione_case(make_ente, make_user):
    """Four evaluated on 60 points, a hire of August (79 days, not admitted: the scheme asks
    for 120) who carries a score anyway, and a scheda without a score."""
    from accounts.access import ADMIN

    ente = make_ente("comune-relazione", name="Comune della Relazione")
    cycle = make_cycle(ente)
    scheme = make_scheme(cycle)
    scheme.minimum_service_days = 120
    scheme.save()
    for key, points in (("anna-a", 58), ("bice-b", 56), ("carlo-c", 45), ("dora-d", 40)):
        make_member(ente, cycle, scheme, key, points)
    import datetime as dt

    make_member(ente, cycle, scheme, "ugo-nuovo", 57, start=dt.date(YEAR, 10, 14), eligible=False)
    blank = make_member(ente, cycle, scheme, "vera-vuota", 30)
    blank.total_points = None
    blank.premium_percent = None
    blank.band = None
    blank.save()
    admin = make_user("admin", ente, ADMIN)
    fund = services.fund_create(
        user=admin,
        ente=ente,
        year=YEAR,
        kind=FundKind.INDIVIDUAL,
        label="Performance individuale",
        amount="20000.00",
    )
    return services.distribution_preview(user=admin, fund=fund, cycle=cycle)


def test_the_band_table_counts_the_evaluated_and_lists_the_others(relazione_case):
    outputs = selectors.distribution_outputs(relazione_case)
    bands = outputs["bands"]
    assert sum(row["count"] for row in bands) == 4
    assert sum(Decimal(row["percent"]) for row in bands) == Decimal(100)
    assert [row["text"] for row in bands][0] == (
        "Valutazione compresa tra 54 e 60 punti: 2 dipendenti, 50\u00a0%"
    )
    assert all(row["from"] is not None for row in bands)  # no «Senza punteggio» row
    assert [row["text"] for row in outputs["excluded"]] == [
        "1 escluso (scheda senza punteggio)",
        "1 escluso (servizio di 79 giorni, inferiore al minimo di 120 del sistema di valutazione)",
    ]
    assert outputs["art20"]["evaluated"] == 4


def test_the_distribution_gives_each_exclusion_its_real_reason(relazione_case):
    outputs = selectors.distribution_outputs(relazione_case)
    texts = [row["text"] for row in outputs["exclusions"]]
    assert texts == [
        "1 escluso (scheda senza punteggio)",
        "1 escluso per servizio inferiore al minimo",
    ]
    assert "valutazione negativa" not in outputs["explanation"]
    assert "1 escluso per servizio inferiore al minimo" in outputs["explanation"]


# -- item 5: the rules in force for the year, the same parameters for page and command --------


def _fund_of_year(make_ente, year, kind=FundKind.INDIVIDUAL):
    ente = make_ente(f"comune-{year}", name=f"Comune {year}")
    cycle = make_cycle(ente, year=year)
    scheme = make_scheme(cycle)
    for key, points in (("anna-a", 58), ("bice-b", 50), ("carlo-c", 45)):
        make_member(ente, cycle, scheme, key, points)
    fund = services.fund_create(
        user=None, ente=ente, year=year, kind=kind, label="Fondo", amount="9000.00"
    )
    return ente, cycle, fund


def test_a_2017_cycle_gets_the_rules_of_its_own_year(make_ente):
    _, cycle, fund = _fund_of_year(make_ente, 2017)
    defaults = services.distribution_parameters_default(fund)
    sources = services.distribution_parameter_sources(fund)
    assert defaults["differentiation_share_percent"] == Decimal("0")
    assert (
        "art. 69 CCNL 21/05/2018 non era ancora in vigore"
        in (sources["differentiation_share_percent"])
    )
    assert defaults["eq_result_min_percent"] == Decimal("0")
    distribution = services.distribution_preview(user=None, fund=fund, cycle=cycle)
    assert distribution.result["computed"]["differentiation"]["awarded_count"] == 0
    rows = {r["key"]: r for r in selectors.distribution_outputs(distribution)["parameter_rows"]}
    assert rows["differentiation_share_percent"]["value"] == "0"
    assert rows["differentiation_share_percent"]["source"].startswith("CCNL Regioni")
    # Overridable: the same 2017 cycle with a maggiorazione tried out.
    tried = services.distribution_preview(
        user=None, fund=fund, cycle=cycle, parameters={"differentiation_share_percent": "34"}
    )
    assert tried.result["computed"]["differentiation"]["awarded_count"] == 1


def test_a_2024_cycle_gets_the_ccnl_2022(make_ente):
    _, _, fund = _fund_of_year(make_ente, 2024)
    defaults = services.distribution_parameters_default(fund)
    sources = services.distribution_parameter_sources(fund)
    assert defaults["differentiation_share_percent"] == Decimal("10")
    assert sources["maggiorazione_percent"].startswith("CCNL Funzioni Locali 16/11/2022")
    assert "art. 17 c.4 CCNL 16/11/2022" in sources["eq_result_min_percent"]
    with pytest.raises(services.ParameterError) as refusal:
        services.distribution_preview(
            user=None,
            fund=fund,
            cycle=fund.ente.cycles.get(),
            parameters={"eq_result_min_percent": "10"},
        )
    assert "16/11/2022" in refusal.value.errors["eq_result_min_percent"]


def test_the_command_takes_the_page_s_parameters(make_ente):
    import io
    import json

    from django.core.management import call_command

    ente, _, _ = _fund_of_year(make_ente, 2024)
    out = io.StringIO()
    call_command(
        "distribute_premiums",
        "--ente",
        ente.slug,
        "--year",
        "2024",
        "--preview",
        "--differentiation-share",
        "34",
        "--maggiorazione",
        "40,5",
        "--cutoff-ties",
        "share",
        stdout=out,
    )
    [outputs] = json.loads(out.getvalue())["distributions"]
    assert outputs["parameters"]["differentiation_share_percent"] == "34"
    assert outputs["parameters"]["maggiorazione_percent"] == "40.5"
    assert outputs["parameters"]["cutoff_ties"] == "share"
    assert outputs["differentiation"]["awarded_count"] == 1


def test_the_mean_is_on_both_scales_and_says_whom_it_covers(relazione_case):
    outputs = selectors.distribution_outputs(relazione_case)
    mean = outputs["mean_score"]
    # 58, 56, 45, 40 of the evaluated; not the hire of October, not the scheda without score.
    assert mean["value"] == "49.75" and mean["on_100"] == "82.92" and mean["count"] == 4
    assert mean["text"].startswith(
        "Punteggio medio del personale valutato (4 persone): 49,75 su 60, pari a 82,92 su 100."
    )
    # The engine's explanation speaks of the same population, with the same figure.
    assert "Punteggio medio dei valutati (4): 49,75." in outputs["explanation"]


def test_the_admin_records_the_integrative_contract_on_its_page(tied_case, enter):
    ente, cycle, fund, admin, _ = tied_case
    client = enter(admin, ente)
    url = reverse("rewards:integrative_contract")
    assert "Nessun contratto integrativo registrato" in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "label": "CCDI 2024-2026",
            "first_year": "2024",
            "criterion_2": "seniority",
            "cutoff_ties": "share",
            "maggiorazione_percent": "35",
        },
    )
    assert response.status_code == 302
    body = client.get(url).content.decode()
    assert "CCDI 2024-2026, dal 2024 (in vigore)" in body
    assert "punteggio più alto, maggiore anzianità" in body
    params = services.distribution_parameters_default(fund)
    assert params["tie_break"] == ["score", "seniority"] and params["cutoff_ties"] == "share"
    assert params["maggiorazione_percent"] == "35"
    refused = client.post(
        url,
        {
            "label": "CCDI",
            "first_year": "2025",
            "cutoff_ties": "include",
            "maggiorazione_percent": "20",
        },
    )
    assert refused.status_code == 200
    assert "almeno il 30" in refused.content.decode()
