"""The art. 20 D.Lgs. 33/2013 tables: aggregates from final distributions, never a name."""

from __future__ import annotations

import json

from accounts.access import ADMIN
from organization.models import Person, Role
from rewards import services
from rewards.models import FundKind
from tests.rewards.builders import (
    YEAR,
    make_cycle,
    make_member,
    make_scheme,
    validate_report,
)
from transparency import selectors


def _ente_with_distributions(make_ente, make_user):
    ente = make_ente("comune-trasparente", name="Comune Trasparente")
    cycle = make_cycle(ente)
    staff = make_scheme(cycle)
    managers = make_scheme(cycle, managerial=True)
    make_member(ente, cycle, staff, "ugo-amati", 58, first_name="Ugo", last_name="Amati")
    make_member(ente, cycle, staff, "vera-boni", 45, first_name="Vera", last_name="Boni")
    make_member(ente, cycle, staff, "zeno-cali", 10, first_name="Zeno", last_name="Cali")
    make_member(
        ente, cycle, managers, "rita-doni", 58, first_name="Rita", last_name="Doni", role=Role.EQ
    )
    validate_report(cycle)
    admin = make_user("admin-t", ente, ADMIN)
    individual = services.fund_create(
        user=admin, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="Ind.", amount="900"
    )
    organisational = services.fund_create(
        user=admin, ente=ente, year=YEAR, kind=FundKind.ORGANISATIONAL, label="Org.", amount="300"
    )
    eq = services.fund_create(
        user=admin, ente=ente, year=YEAR, kind=FundKind.EQ_RESULT, label="EQ", amount="2000"
    )
    final = services.distribution_preview(user=admin, fund=individual, cycle=cycle)
    services.distribution_finalise(user=admin, distribution=final)
    services.distribution_preview(user=admin, fund=organisational, cycle=cycle)  # preview only
    eq_preview = services.distribution_preview(
        user=admin,
        fund=eq,
        cycle=cycle,
        parameters={"position_allowances": {"rita-doni": "8000"}},
    )
    services.distribution_finalise(user=admin, distribution=eq_preview)
    return ente, final, eq_preview


def test_amounts_allocated_and_distributed(make_ente, make_user):
    ente, final, eq = _ente_with_distributions(make_ente, make_user)
    tables = selectors.art20_tables(ente, YEAR)
    amounts = tables["amounts"]
    assert amounts["allocated"] == "3200"
    # Staff: P̄ = 900 / 2 = 450, maggiorazione 30 % = 135; the rest 765 shared 1 : 0,8 →
    # 425 + 340; paid 135 + 425 + 340 = 900. EQ: 8.000 × 25 % × 100 % = 2.000. Total 2.900.
    assert final.total_paid == 900 and eq.total_paid == 2000
    assert amounts["distributed"] == "2900"
    rows = {row["kind"]: row for row in amounts["rows"]}
    assert rows[FundKind.ORGANISATIONAL]["distributed"] is None  # only a preview
    assert rows[FundKind.ORGANISATIONAL]["final"] is False
    assert "Non ancora distribuiti" in amounts["text"]


def test_categories_aggregate_staff_and_managers(make_ente, make_user):
    ente, final, _ = _ente_with_distributions(make_ente, make_user)
    tables = selectors.art20_tables(ente, YEAR, sees_individuals=True)
    categories = {c["category"]: c for c in tables["categories"]}
    staff = categories["dipendenti"]
    assert staff["evaluated"] == 3
    assert staff["awarded"] == 2
    assert staff["selectivity_percent"] == "66.67"
    assert staff["max_premium"] == "560"  # 425 + 135
    assert staff["min_premium"] == "340"
    assert staff["differentiation_percent"] == "60.71"
    assert staff["mean_premium"] == "450"
    assert [band["text"] for band in staff["bands"]] == [
        "Valutazione compresa tra 54 e 60 punti: 1 dipendente, 33,34\u00a0%",
        "Valutazione compresa tra 37 e 53 punti: 1 dipendente, 33,33\u00a0%",
        "Valutazione fino a 24 punti: 1 dipendente, 33,33\u00a0%",
    ]
    managers = categories["dirigenti_eq"]
    assert managers["evaluated"] == 1 and managers["awarded"] == 1
    assert managers["max_premium"] == "2000"
    assert managers["differentiation_percent"] == "100"


def test_tables_contain_no_names(make_ente, make_user):
    ente, _, _ = _ente_with_distributions(make_ente, make_user)
    dump = json.dumps(selectors.art20_tables(ente, YEAR), ensure_ascii=False)
    csv_dump = json.dumps(selectors.art20_csv_rows(selectors.art20_tables(ente, YEAR)))
    for person in Person.objects.filter(ente=ente):
        for text in (person.first_name, person.last_name, person.key):
            assert text not in dump
            assert text not in csv_dump
    assert '"person' not in dump


def test_nothing_distributed_without_final_distributions(make_ente):
    ente = make_ente("comune-vuoto")
    make_cycle(ente)
    services.fund_create(
        user=None, ente=ente, year=YEAR, kind=FundKind.INDIVIDUAL, label="Ind.", amount="100"
    )
    tables = selectors.art20_tables(ente, YEAR)
    assert tables["amounts"]["allocated"] == "100"
    assert tables["amounts"]["distributed"] == "0"
    staff = tables["categories"][1]
    assert staff["evaluated"] == 0 and staff["mean_premium"] is None
    assert staff["bands"] == []


def test_csv_rows_are_open_format_tables(make_ente, make_user):
    ente, _, _ = _ente_with_distributions(make_ente, make_user)
    rows = selectors.art20_csv_rows(selectors.art20_tables(ente, YEAR, sees_individuals=True))
    assert selectors.CSV_HEADER == ("sezione", "voce", "categoria", "valore")
    assert ["dati relativi ai premi", "premiati", "dipendenti", "2"] in rows
    public = {row[1] for row in rows if row[0] == "dati relativi ai premi"}
    assert public == set(selectors.PUBLIC_KEYS.values())  # Italian keys, never the code's


def test_small_groups_are_withheld_from_the_public_tables(make_ente, make_user, settings, client):
    """Three dipendenti, one in each band, two premiati, one EQ: with the threshold at 3 the
    public tables withhold the bands, premiati/non premiati and the premium figures (each
    would tell a person's band or premium), and say why; the c.1 amounts stay."""
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 3
    ente, _, _ = _ente_with_distributions(make_ente, make_user)
    tables = selectors.art20_tables(ente, YEAR)
    categories = {c["category"]: c for c in tables["categories"]}
    staff, managers = categories["dipendenti"], categories["dirigenti_eq"]
    assert staff["suppressed"] and managers["suppressed"]
    assert [band["count"] for band in staff["bands"]] == [None, None, None]
    assert (
        staff["bands"][0]["text"]
        == "Valutazione compresa tra 54 e 60 punti: conteggio non mostrato"
    )
    assert staff["evaluated"] == 3 and staff["awarded"] is None
    assert staff["max_premium"] is None and staff["min_premium"] is None
    assert staff["mean_premium"] is None and staff["differentiation_percent"] is None
    assert managers["max_premium"] is None and "meno di 3 persone" in managers["reason"]
    assert tables["amounts"]["distributed"] == "2900"  # art. 20 c.1: published regardless
    rows = selectors.art20_csv_rows(tables)
    assert ["dati relativi ai premi", "premio_massimo_euro", "dipendenti", ""] in rows
    assert any(row[0] == "premi distribuiti" and row[3] == "2000" for row in rows)
    assert any(row[0] == "riservatezza" and row[2] == "dipendenti" for row in rows)
    assert not any(row[0] == "distribuzione per fascia" and row[3] for row in rows)
    page = client.get(f"/trasparenza/{ente.slug}/premi/{YEAR}/").content.decode()
    assert "conteggio non mostrato" in page and "meno di 3 persone" in page
    assert "560" not in page  # the highest premium (425 + 135) of one person
    csv_text = client.get(f"/trasparenza/{ente.slug}/premi/{YEAR}/premi.csv").content.decode()
    assert "560" not in csv_text and "riservatezza" in csv_text
    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 1  # suppression off: every figure is shown
    staff = selectors.art20_tables(ente, YEAR)["categories"][1]
    assert [band["count"] for band in staff["bands"]] == [1, 1, 1] and not staff["suppressed"]


def test_the_published_premium_document_withholds_them_too(make_ente, make_user, settings):
    from documents.builders import build
    from planning.models import Cycle

    settings.PERFORMA_SMALL_GROUP_THRESHOLD = 3
    ente, _, _ = _ente_with_distributions(make_ente, make_user)
    text = build("premi_aggregati", Cycle.objects.get(ente=ente, year=YEAR)).plain_text()
    assert "conteggio non mostrato" in text and "meno di 3 persone" in text
    assert "560,00" not in text and "340,00" not in text
    assert "2.900,00" in text  # the c.1 amounts
