"""The demo file of the Consorzio socio-assistenziale, Piano della performance 2021.

`demo/data/consorzio-socio-assistenziale-2021.json` encodes seed 004 ("SEZIONE 2 - PIANO DELLA
PERFORMANCE" of a consorzio socio-assistenziale, 2021-2023) in the `performa-cycle` format:

* the ente: the document only ever says "il Consorzio" and describes a socio-assistenziale mission,
  so its name is "Consorzio socio-assistenziale" (no real name is invented); headcount 37 = 31
  permanent + 6 fixed-term as of 01.01.2021 (sentence kept in `ente.notes`); governing body
  Consiglio di Amministrazione; SMVP reference = the sentence quoting the CDA acts n. 74 del
  20/12/2019 and n. 9 del 30.01.2020;
* the organisation: Direzione (the Direttore, only dirigente) → the four Areas named in the plan,
  each with a PO; the macroservizi PEG listed in strategic objective n. 5 (101–109, 301, 401) as
  units of kind `servizio` with `peg_code`. The plan does not say which Area runs each
  macroservizio: 301 "sedi territoriali" is placed under the Area Territoriale and 401 (asilo nido)
  under the Area Socio Educativa (strategic objective n. 4); 101–109 hang from the Direzione;
* people, staff details and the Nucleo di valutazione are fictional (the plan names nobody);
* "2.1.1" the Piano degli indicatori di bilancio: one parent group, the families 1–11 as child
  groups, every indicator with its code, its definition as `name` (the explanatory sentence of
  3.2 and 3.3 goes to `description`; 3.2 has no formula in the document), formula, unit "%"
  (the table says "dati percentuali") and a target of kind `value` for 2021, 2022, 2023 with the
  number as written ("93,970") and as a decimal ("93.97"); dimension `stato_risorse`, polarity
  `none` (forecast values, no direction);
* "2.1.2" indicators of organisational performance: a parent group with the two transparency /
  anticorruption indicators (b, c) and, as child group "a", the PCC table (targets `lte` 5, 90,
  0; tolerances as written) whose description keeps the explanation and the evaluation table;
* "2.1.2 Il personale" (the document numbers two sections 2.1.2; both keep that code): five
  indicators, formula "numerator / denominator" as written, expected values for 2020 and 2021
  as targets of kind `value` (the asterisk of two names is noted in their description);
* "2.3" the five strategic objectives (area strategica; objectives 1 and 2 name both areas and
  are linked to both, in the written order; the written text is kept in the description, as is
  the written heading of the PEG row when it is not "Servizi PEG coinvolti", e.g. the typo
  "Macrosvizi"); each one's "Obiettivo 2021" is an operational objective (no weight: the plan
  gives none) of every unit listed, the first leading, with its phases ("Tempi" as
  `planned_text`, a month read as its last day in `planned_end`, "Annuale" as the whole year)
  and its result indicators in a group per objective (columns as written, "Report al 31/12/"
  as description; baseline 2020 as written, target 2021 `gte`);
* "2.4" the improvement objective of the whole ente, transversal, without weight.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from organization.models import Employment, Ente, Person, Unit
from planning.models import (
    Cycle,
    Indicator,
    IndicatorGroup,
    OperationalObjective,
    StrategicObjective,
)

DATA = (
    Path(__file__).resolve().parents[2]
    / "demo"
    / "data"
    / "consorzio-socio-assistenziale-2021.json"
)
SLUG = "consorzio-socio-assistenziale"


@pytest.fixture
def cycle(db) -> Cycle:
    call_command("import_cycle", str(DATA))
    return Cycle.objects.get(ente__slug=SLUG, year=2021)


def targets(indicator: Indicator) -> dict[int, tuple[str, Decimal | None, str]]:
    return {t.year: (t.kind, t.value, t.text) for t in indicator.targets.all()}


@pytest.mark.django_db
def test_ente_and_cycle(cycle):
    ente = Ente.objects.get(slug=SLUG)
    assert ente.name == "Consorzio socio-assistenziale"
    assert ente.kind == "consorzio"
    assert ente.governing_body == "Consiglio di Amministrazione"
    assert ente.headcount == 37
    assert ente.is_small
    assert "n. 31 unità a tempo indeterminato e n. 6 unità a tempo determinato" in ente.notes
    assert (cycle.first_year, cycle.last_year) == (2021, 2023)
    assert cycle.document_kind == "piano"
    assert cycle.state == "approved"
    assert "deliberazione del CDA n. 74 del 20/12/2019" in cycle.smvp_reference
    assert "deliberazione del CDA n. 9 del 30.01.2020" in cycle.smvp_reference
    assert list(cycle.strategic_areas.values_list("name", flat=True)) == [
        "Funzioni Generali",
        "Funzioni Socio Assistenziali",
    ]


@pytest.mark.django_db
def test_organisation_and_people(cycle):
    ente = cycle.ente
    direzione = Unit.objects.get(ente=ente, key="direzione")
    assert direzione.responsible.key == "direttore"
    areas = Unit.objects.filter(ente=ente, kind="area").order_by("order")
    assert [a.name for a in areas] == [
        "Area dell'Integrazione Socio Sanitaria",
        "Area Territoriale",
        "Area Socio Educativa",
        "Area Amministrativo Contabile",
    ]
    assert all(a.parent == direzione for a in areas)
    expected_po = {
        "Area dell'Integrazione Socio Sanitaria": "po-area-integrazione",
        "Area Territoriale": "po-area-territoriale",
        "Area Socio Educativa": "po-area-socio-educativa",
        "Area Amministrativo Contabile": "po-area-amministrativa",
    }
    assert {a.name: a.responsible.key for a in areas} == expected_po
    services = Unit.objects.filter(ente=ente, kind="servizio").order_by("order")
    assert [s.peg_code for s in services] == [
        "101", "102", "103", "104", "105", "106", "107", "108", "109", "301", "401",
    ]  # fmt: skip
    nido = services.get(peg_code="401")
    assert nido.name == "ASILO NIDO INTERCOMUNALE DI MIAGLIANO"
    assert nido.parent.key == "area-socio-educativa"

    direttore = Employment.objects.get(person__ente=ente, person__key="direttore")
    assert (direttore.role, direttore.ccnl_area) == ("direttore", "dirigenti")
    for key in expected_po.values():
        job = Employment.objects.get(person__ente=ente, person__key=key)
        assert (job.role, job.ccnl_area) == ("eq", "funzionari_eq")
    staff = Person.objects.filter(ente=ente, employments__role="dipendente").distinct()
    assert staff.count() >= 6
    assert staff.filter(key="assistente-sociale-1").exists()
    assert Employment.objects.filter(person__in=staff, contract="determinato").exists()
    assert Employment.objects.filter(
        person__in=staff, part_time_percent__lt=Decimal("100")
    ).exists()
    nucleo = ente.evaluation_bodies.get()
    assert nucleo.kind == "nucleo"
    assert 1 <= nucleo.members.count() <= 3


@pytest.mark.django_db
def test_strategic_objectives_and_phases(cycle):
    sos = list(StrategicObjective.objects.filter(cycle=cycle).order_by("order"))
    assert [so.code for so in sos] == ["1", "2", "3", "4", "5"]
    assert sos[3].title == "Esternalizzazione dell'Asilo Nido"
    assert sos[3].peg_services == "401 Asilo Nido Intercomunale di Miagliano"
    assert "Macrosvizi" in sos[3].description
    assert sos[3].area.name == "Funzioni Socio Assistenziali"
    assert sos[2].area.name == "Funzioni Generali"
    both = ["Funzioni Socio Assistenziali", "Funzioni Generali"]
    assert [area.name for area in sos[0].area_list()] == both
    assert [area.name for area in sos[1].area_list()] == both
    first = OperationalObjective.objects.get(cycle=cycle, strategic_objective=sos[0])
    assert first.unit.key == "direzione"
    assert [unit.key for unit in first.unit_list()] == [
        "direzione",
        "area-integrazione-socio-sanitaria",
        "area-territoriale",
        "area-socio-educativa",
        "area-amministrativo-contabile",
    ]
    assert sos[0].responsible_label == "Direttore, PO delle Aree coinvolte"
    assert sos[0].stakeholders_final == "Assemblea Consortile Comuni"
    assert sos[0].units.count() == 5
    assert {u.key for u in sos[4].units.all()} == {
        "area-integrazione-socio-sanitaria",
        "area-territoriale",
        "area-socio-educativa",
    }
    assert sos[4].peg_services.startswith("101 - DOMICILIARITA' ANZIANI 102 - ")
    assert sos[4].peg_services.endswith("401 - ASILO NIDO INTERCOMUNALE DI MIAGLIANO")
    assert sos[2].expected_impact == "Funzionale organizzazione dell'attività amministrativa"

    expected_phases = {
        "1": ["febbraio", "dicembre", "dicembre", "dicembre"],
        "2": ["aprile", "Dicembre"],
        "3": ["Annuale", "settembre", "dicembre", "dicembre"],
        "4": ["dicembre", "Agosto", "Agosto"],
        "5": ["Marzo", "Dicembre"],
    }
    for so in sos:
        (annual,) = so.operational_objectives.all()
        assert annual.weight is None
        assert annual.years == [2021]
        phases = list(annual.phases.order_by("order"))
        assert [p.planned_text for p in phases] == expected_phases[so.code]
        assert all(p.kind == "fase" for p in phases)
    nido = OperationalObjective.objects.get(cycle=cycle, strategic_objective=sos[3])
    assert [p.planned_end.isoformat() for p in nido.phases.order_by("order")] == [
        "2021-12-31",
        "2021-08-31",
        "2021-08-31",
    ]
    assert nido.responsibles.get().key == "po-area-socio-educativa"


@pytest.mark.django_db
def test_result_indicators(cycle):
    by_so = {
        so.code: list(Indicator.objects.filter(objective__strategic_objective=so).order_by("order"))
        for so in StrategicObjective.objects.filter(cycle=cycle)
    }
    assert {code: len(items) for code, items in by_so.items()} == {
        "1": 3,
        "2": 1,
        "3": 2,
        "4": 2,
        "5": 1,
    }
    report = by_so["1"][0]
    assert (report.name, report.unit_of_measure, report.baseline_text) == ("N report", "N.", "--")
    assert report.baseline_value is None
    assert targets(by_so["1"][1]) == {2021: ("gte", Decimal("3"), "3")}
    assert targets(by_so["2"][0]) == {2021: ("gte", Decimal("50"), ">=50%")}
    smart = by_so["3"][1]
    assert targets(smart)[2021][2] == ">=30% dei dipendenti, ove lo richiedano."
    covid = by_so["5"][0]
    assert (covid.baseline_value, covid.baseline_text, covid.baseline_year) == (
        Decimal("8"),
        "8",
        2020,
    )
    assert targets(covid) == {2021: ("gte", Decimal("8"), "8")}
    group = by_so["3"][0].group
    assert group.description == "Report al 31/12/"
    assert "Valore attuale (2020(a))" in group.columns


@pytest.mark.django_db
def test_budget_indicator_families(cycle):
    parent = IndicatorGroup.objects.get(cycle=cycle, key="indicatori-bilancio")
    assert parent.title.startswith("Il piano degli indicatori e dei risultati attesi di bilancio")
    families = list(parent.children.order_by("order"))
    assert [f.code for f in families] == [str(n) for n in range(1, 12)]
    assert families[0].title == "Rigidità strutturale di bilancio"
    budget = Indicator.objects.filter(group__parent=parent)
    assert budget.count() == 29

    def by_code(code: str) -> Indicator:
        return budget.get(code=code)

    assert targets(by_code("2.1")) == {
        2021: ("value", Decimal("93.97"), "93,970"),
        2022: ("value", Decimal("96.39"), "96,390"),
        2023: ("value", Decimal("96.41"), "96,410"),
    }
    assert targets(by_code("5.2"))[2021] == ("value", Decimal("-9157.8"), "-9157,800")
    assert targets(by_code("4.2"))[2023] == ("value", Decimal("100"), "100,000")
    assert by_code("1.1").name == (
        "Incidenza spese rigide (disavanzo, personale e debito) su entrate correnti"
    )
    assert by_code("3.2").formula == ""
    assert by_code("3.2").description.startswith("Indica il peso")
    assert "<i>" not in by_code("10.1").formula
    assert by_code("10.1").formula.endswith("totale delle colonne a) e c)")


@pytest.mark.django_db
def test_payment_indicators(cycle):
    pcc = IndicatorGroup.objects.get(cycle=cycle, key="indicatori-pcc")
    assert pcc.parent.key == "performance-organizzativa"
    assert "Valutazione = proporzionale all'entità dello scostamento rilevato" in pcc.description
    rows = list(pcc.indicators.order_by("order"))
    assert [r.unit_of_measure for r in rows] == ["%", "%", "gg."]
    assert [targets(r)[2021] for r in rows] == [
        ("lte", Decimal("5"), "<=5%"),
        ("lte", Decimal("90"), "<=90%"),
        ("lte", Decimal("0"), "<=0"),
    ]
    assert rows[0].tolerance_text.startswith("Il valore consuntivo può essere > 5%")
    assert "∑ Pagamenti" in rows[2].formula
    others = pcc.parent.indicators.order_by("order")
    assert [i.name for i in others] == [
        "Grado attuazione obblighi di pubblicazione",
        "Grado attuazione delle misure di prevenzione della corruzione",
    ]


@pytest.mark.django_db
def test_personnel_indicators(cycle):
    group = IndicatorGroup.objects.get(cycle=cycle, key="indicatori-personale")
    rows = list(group.indicators.order_by("order"))
    assert [r.name for r in rows] == [
        "Incentivazione complessiva",
        "Capacità di incentivazione",
        "Selettività e merito",
        "Differenziazione dei premi",
        "Aggiornamento professionale",
    ]
    assert [targets(r)[2021][1] for r in rows] == [
        Decimal("8.45"),
        Decimal("1649.40"),
        Decimal("90"),
        Decimal("3"),
        Decimal("80"),
    ]
    assert [targets(r)[2020][1] for r in rows] == [targets(r)[2021][1] for r in rows]
    assert targets(rows[1])[2021][2] == "€ 1.649,40"
    assert rows[1].unit_of_measure == "€"
    assert (
        rows[0].formula
        == "Fondo contrattazione decentrata / Spesa per il personale (Tit. I, Macr.1)"
    )


@pytest.mark.django_db
def test_improvement_objective(cycle):
    improvement = OperationalObjective.objects.get(
        cycle=cycle, section__startswith="2.4 OBIETTIVI DI MIGLIORAMENTO"
    )
    assert improvement.is_transversal
    assert improvement.weight is None
    assert "integrazione orizzontale tra i servizi" in improvement.title
    assert OperationalObjective.objects.filter(cycle=cycle).count() == 6
    assert not OperationalObjective.objects.filter(cycle=cycle, weight__isnull=False).exists()


@pytest.mark.django_db
def test_round_trip_is_byte_identical(cycle, tmp_path):
    out = tmp_path / "export.json"
    call_command("export_cycle", str(out), ente=SLUG, year=2021)
    assert out.read_bytes() == DATA.read_bytes()


def test_smvp_settings(cycle):
    """SMVP settings of the demo (the 2021 plan states none; these are sensible defaults):
    ente-level indicators (most of the plan's 48 are ente-level) weigh as much as the mean of
    the units, 50 / 50; linear rule with a tolerance of 5 % of the target, so that a value
    just short of a social-service target still counts as met; cap 100 (no over-achievement);
    missing data excluded and the other weights redistributed."""
    from engine.config import SmvpSettings

    settings = SmvpSettings.from_dict(cycle.ente.smvp_settings)
    assert settings.indicator.method.value == "linear"
    assert (settings.indicator.tolerance, settings.indicator.tolerance_kind.value) == (
        Decimal("5"),
        "percent",
    )
    assert settings.cap == Decimal("100") and settings.missing.value == "exclude"
    assert [(c.source.value, c.weight) for c in settings.ente_composition] == [
        ("ente_indicators", Decimal("50")),
        ("units", Decimal("50")),
    ]
    assert cycle.ente.smvp_settings == settings.to_dict()  # stored complete


@pytest.mark.django_db
def test_the_evaluation_system_of_the_demo(cycle):
    """Not in the plan: a small SMVP (three behaviours and the capacity to differentiate, two
    schemes) so that the demo employee's scheda can be generated and delivered on the load
    day (see demo.loader)."""
    from appraisal import services as appraisal
    from appraisal.models import Behaviour, EvaluationScheme

    behaviours = Behaviour.objects.filter(ente=cycle.ente)
    assert behaviours.count() == 4
    assert behaviours.filter(is_differentiation_capacity=True).count() == 1
    schemes = EvaluationScheme.objects.filter(cycle=cycle).order_by("key")
    assert [s.key for s in schemes] == ["personale", "responsabili"]
    for scheme in schemes:
        assert appraisal.scheme_validate(scheme) == [], scheme.key
