"""The demo cycle of the Unione Casalbuttano ed Uniti e Corte de' Cortesi con Cignone, 2021.

`demo/data/unione-casalbuttano-2021.json` encodes the seed plan "PIANO ESECUTIVO DI GESTIONE E
PIANO DELLA PERFORMANCE 2021" of the Unione di Comuni Lombarda Casalbuttano ed Uniti e Corte de'
Cortesi con Cignone (allegato alla deliberazione G.U. n. 16 del 27.3.2021). Every person's name
is fictional; places, enti, acts and laws are real. The tests import the file and check that the
loaded plan keeps the document's figures, and that export(import(file)) == file byte for byte.

What the file holds
-------------------
* Ente: kind unione, the two member comuni, governing body "Giunta dell'Unione", headcount 5.
  Cycle 2021 (horizon 2021-2023), document_kind peg, approved by the Giunta dell'Unione with act
  n. 16 of 27/03/2021; smvp_reference quotes the criteria of the Giunta of the Comune di
  Casalbuttano ed Uniti (atto n. 137 del 1.12.2018). `introduction` quotes the "ILLUSTRAZIONE DEL
  CONTESTO INTERNO" sentences verbatim; `notes` quotes the signature line (fictional name), the
  sentences on what counts as the result indicator and on individual evaluation, and the
  paragraph introducing the "OBIETTIVI DI PERFORMANCE ORGANIZZATIVA".
* Units, in document order, with every ATTIVITA' line (bullets stripped, wording, typos and
  final ";" kept): SERVIZIO AFFARI GENERALI E PERSONALE (responsabile: the segretario) with
  UFFICIO SEGRETERIA (15 lines) and SERVIZIO DI BIBLIOTECA (1); SERVIZIO POLIZIA LOCALE (20);
  SERVIZIO FINANZIARIO (22); SERVIZIO SOCIALE (9) with UFFICIO SERVIZI SOCIALI; SERVIZIO SUAP (7);
  SERVIZIO EDILIZIA SCOLASTICA E SPORTIVA E SERVIZIO DI CENTRALE UNICA DI COMMITTENZA with
  SERVIZIO EDILIZIA SCOLASTICA E SPORTIVA (2) and SERVIZIO CUC (1); SERVIZIO CULTURA (6), the
  theatre work done for the Comune di Casalbuttano ed Uniti. Names are kept in the document's
  capitals. "Utilizzo mediante convenzione di tutto il personale…" lines that name nobody
  (Finanziario, SUAP) are the unit's `description`.
* People: 5 own employees (comandante, vice comandante and two agenti of cat. C, the part-time
  librarian cat. C at 24 h/week = 66.67 %), all "a tempo indeterminato"; the segretario (role
  segretario, not counted among the 5 dipendenti, as in the document); staff of the Comune di
  Casalbuttano ed Uniti in convenzione (two collaboratori cat. B for Affari generali, an
  istruttore amministrativo cat. C for 9 h/week in Polizia Locale, the responsabile of the
  Comune's Affari generali cat. D for the Servizio sociale, the architect cat. D for 6 h/week for
  Edilizia scolastica/CUC); the social worker of the Azienda Sociale Cremonese as two convenzione
  assignments (28 h for Casalbuttano ed Uniti, 8 h for Corte de' Cortesi con Cignone, the comune
  named in each note); the autista cat. A "in comando".
* Objectives: the 10 rows of "OBIETTIVI 2020 SERVIZIO POLIZIA LOCALE" (that heading is their
  `section` although the plan is for 2021) in one weight group of the service, and one objective
  of "OBIETTIVI DI PERFORMANCE ORGANIZZATIVA PER ATTIVITA' SVOLTA A FAVORE DEL COMUNE DI
  CASALBUTTANO ED UNITI" (theatre management): no weight, no deadline, its five adempimenti as
  `azione` phases, assigned to the librarian ("individuata la dipendente"). The document has no
  indicator table: it says the achievement of the objectives is itself the result indicator.

Interpretations
---------------
* Polizia Locale table: the text extraction merged and split cells across two pages. Rows were
  rebuilt from the order of the lines: a row is "OBIETTIVO <tab> TERMINE <tab> PESO"; a line with
  no term/weight continues the previous objective. So "Cortesi con Cignone, dei veicoli …" (after
  the page break, joined to "… Corte dè") belongs to "Utilizzo delle strumentazioni" (10);
  "queste persone, che sorvegliano …" continues "Amici per la scuola – Nonni Vigili" (5);
  "Progetto Bici sicura" is a heading whose text and term/weight (5) follow on the next line.
  Reading order then gives Emergenza sanitaria 10, Attività di controllo 30, Riqualificazione
  segnaletica stradale 10, Utilizzo delle strumentazioni 10, Promozione rapporti Polizia Locale
  cittadini 10, Gestione attività contravvenzionale 10, Amici per la scuola – Nonni Vigili 5,
  Progetto Bici sicura 5, Formazione personale 5, Educazione Stradale 5 = 100 (the table's total).
  The fragment "(attività di front-office, telefoniche nonché telematiche)." at the start of the
  Nonni Vigili cell repeats the end of the contravvenzionale cell across the page break and is
  dropped; the Promozione cell ends mid-sentence ("… da parte della") in the document and is
  kept so. Each row starts with its title (bold in the PDF): the title is `title` (trailing
  colon dropped), the rest is `description`. The table names no responsabile per row: the
  objectives are linked to the service's comandante (`responsibles`) with no responsible_label.
* Affari generali: the staff heading "SERVIZIO AFFARI GENERALI" is the service itself, so the
  two collaboratori in convenzione are assigned to it (the heading is kept in the note).
* Servizio sociale: the document's "RISORSE UMANE" gives no "RESPONSABILE:" line but the use in
  convenzione of the Comune's responsabile, who is taken as the service's responsabile (label as
  written). Its ATTIVITA' follow the service's staff block as in every other service, so they
  belong to the service, not to the Ufficio servizi sociali. The assistente sociale and the
  autista are matched to the two role bullets in order.
* The employer of the person "in comando" is not stated: the employment carries category A and
  the employer name "(ente di provenienza non indicato nel documento)" so that she is not counted
  among the Unione's own employees (an empty employer means the ente itself).
* The theatre work is the Unione's employee working for the Comune: a `convenzione` assignment to
  SERVIZIO CULTURA without source ente, the direction being written in the note.
* The document names no nucleo di valutazione: the file has a "Nucleo di valutazione" with one
  fictional external member (chair).
"""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from organization.models import Assignment, Employment, Ente, Person, Unit
from planning.models import Cycle, OperationalObjective

DATA = Path(__file__).resolve().parents[2] / "demo" / "data" / "unione-casalbuttano-2021.json"
SLUG = "unione-casalbuttano"
CASALBUTTANO = "Comune di Casalbuttano ed Uniti"
PL_SECTION = "OBIETTIVI 2020 SERVIZIO POLIZIA LOCALE"
PL_TITLES = [
    "Emergenza sanitaria",
    "Attività di controllo",
    "Riqualificazione segnaletica stradale",
    "Utilizzo delle strumentazioni in dotazione al Comando di Polizia Locale",
    "Promozione rapporti Polizia Locale cittadini",
    "Gestione attività contravvenzionale",
    "Amici per la scuola – Nonni Vigili",
    "Progetto Bici sicura",
    "Formazione personale",
    "Educazione Stradale",
]
PL_WEIGHTS = ["10", "30", "10", "10", "10", "10", "5", "5", "5", "5"]
ACTIVITY_COUNTS = {
    "ufficio-segreteria": 15,
    "biblioteca": 1,
    "polizia-locale": 20,
    "finanziario": 22,
    "sociale": 9,
    "suap": 7,
    "edilizia-scolastica-sportiva": 2,
    "cuc": 1,
    "cultura": 6,
}
# sha256 prefixes of the first names and surnames of the real people named in the seed
# document, so that the check can fail without the repository holding those names.
REAL_NAME_HASHES = {
    "afb50b2a040f3b84",
    "b49e768e5556bfb1",
    "3f47bae8e3c0ad59",
    "28f5447d09355475",
    "2d51a3b3ca1cdf79",
    "79c1d638ed36f4b1",
    "926dc6fb2c9459c7",
    "d93ff7a5beb899cc",
    "60406eff7d08cf2f",
    "539505bdbdf8f23f",
    "094dbbde77990245",
    "2c04a656d3aa9e9d",
    "a8fa61bc4e10bf3e",
    "893f71fc0056331c",
    "fe301eaaac49b465",
    "de6f39a88084c5a3",
    "15acfdc75fdb8885",
    "7477c6479a518474",
    "85616c20cbae93dc",
    "7120eff9995ed3ff",
    "f3721ce8c75255f8",
    "72099cb2f0e789a7",
    "2f5fdf5963abd205",
    "ca0b642ed0c1c990",
    "15b9f8ad17b4ccd1",
    "3568d1cfd48b6540",
}


@pytest.fixture
def cycle(db):
    call_command("import_cycle", str(DATA))
    return Cycle.objects.select_related("ente").get(ente__slug=SLUG, year=2021)


def unit(key: str) -> Unit:
    return Unit.objects.get(ente__slug=SLUG, key=key)


def pl_objectives(cycle: Cycle) -> list[OperationalObjective]:
    return list(cycle.operational_objectives.filter(section=PL_SECTION).order_by("order", "id"))


def test_no_real_person_name_in_the_file():
    words = set(re.findall(r"[^\W\d_]+", DATA.read_text(encoding="utf-8").lower()))
    leaked = [w for w in words if hashlib.sha256(w.encode()).hexdigest()[:16] in REAL_NAME_HASHES]
    assert leaked == []


@pytest.mark.django_db
def test_file_round_trips_byte_identically(tmp_path):
    call_command("import_cycle", str(DATA))
    out = tmp_path / "export.json"
    call_command("export_cycle", str(out), ente=SLUG, year=2021)
    assert out.read_bytes() == DATA.read_bytes()


@pytest.mark.django_db
def test_ente_and_approval_act(cycle):
    ente = Ente.objects.get(slug=SLUG)
    assert ente.kind == "unione"
    assert ente.headcount == 5
    assert ente.governing_body == "Giunta dell'Unione"
    assert [m.name for m in ente.members.order_by("order", "id")] == [
        "Casalbuttano ed Uniti",
        "Corte de' Cortesi con Cignone",
    ]
    assert (cycle.first_year, cycle.year, cycle.last_year) == (2021, 2021, 2023)
    assert cycle.document_kind == "peg"
    assert cycle.state == "approved"
    assert cycle.approval_body == "Giunta dell'Unione"
    assert cycle.approval_act_number == "16"
    assert cycle.approval_act_date.strftime("%d/%m/%Y") == "27/03/2021"
    assert "atto n. 137 del 1.12.2018" in cycle.smvp_reference
    assert "n. 5 dipendenti di cui n. 4 a tempo pieno e n. 1 part-time" in cycle.introduction


@pytest.mark.django_db
def test_five_own_employees_four_full_time_one_part_time_at_24_hours(cycle):
    own = Employment.objects.filter(person__ente=cycle.ente, employer_name="").exclude(
        role="segretario"
    )
    assert own.count() == 5
    assert own.values("person").distinct().count() == 5
    full_time = own.filter(part_time_percent=Decimal("100"))
    part_time = own.exclude(part_time_percent=Decimal("100"))
    assert full_time.count() == 4
    assert [(e.person.key, e.part_time_percent, e.hours_per_week) for e in part_time] == [
        ("bibliotecario", Decimal("66.67"), Decimal("24"))
    ]
    assert all(e.contract == "indeterminato" for e in own)
    assert sorted(e.legacy_category for e in own) == ["", "C", "C", "C", "C"]
    assert own.get(role="comandante").person.key == "comandante-pl"


@pytest.mark.django_db
def test_staff_in_convenzione_from_the_comune(cycle):
    conv = Assignment.objects.filter(
        person__ente=cycle.ente, kind="convenzione", source_ente_name=CASALBUTTANO
    )
    hours = {(a.unit.key, a.hours_per_week) for a in conv if a.hours_per_week is not None}
    assert hours == {("polizia-locale", Decimal("9")), ("edilizia-cuc", Decimal("6"))}
    assert conv.count() == 5
    categories = sorted(
        e.legacy_category
        for e in Employment.objects.filter(person__ente=cycle.ente, employer_name=CASALBUTTANO)
    )
    assert categories == ["B", "B", "C", "D", "D"]


@pytest.mark.django_db
def test_social_worker_of_the_azienda_sociale_cremonese(cycle):
    social = Assignment.objects.filter(
        person__ente=cycle.ente, source_ente_name="Azienda Sociale Cremonese"
    ).order_by("order", "id")
    assert {a.person.key for a in social} == {"assistente-sociale"}
    assert [(a.kind, a.hours_per_week) for a in social] == [
        ("convenzione", Decimal("28")),
        ("convenzione", Decimal("8")),
    ]
    assert "Casalbuttano ed Uniti" in social[0].note
    assert "Corte de' Cortesi con Cignone" in social[1].note


@pytest.mark.django_db
def test_the_driver_in_comando(cycle):
    comando = Assignment.objects.get(person__ente=cycle.ente, kind="comando")
    assert comando.unit.key == "ufficio-servizi-sociali"
    assert comando.position == "Autista servizi sociali"
    assert [e.legacy_category for e in comando.person.employments.all()] == ["A"]
    assert comando.person.employments.get().employer_name != ""


@pytest.mark.django_db
def test_polizia_locale_objectives_weights_and_deadlines(cycle):
    objectives = pl_objectives(cycle)
    assert [o.title for o in objectives] == PL_TITLES
    assert [o.weight for o in objectives] == [Decimal(w) for w in PL_WEIGHTS]
    assert sum(o.weight for o in objectives) == Decimal("100")
    assert {o.deadline.isoformat() for o in objectives} == {"2020-12-31"}
    assert {o.deadline_text for o in objectives} == {"31/12/2020"}
    groups = {o.weight_group_id for o in objectives}
    assert len(groups) == 1
    group = objectives[0].weight_group
    assert group.expected_total == Decimal("100")
    assert group.unit.key == "polizia-locale"
    assert group.objectives.count() == 10
    assert {o.unit.key for o in objectives} == {"polizia-locale"}
    assert all([p.key for p in o.responsibles.all()] == ["comandante-pl"] for o in objectives)


@pytest.mark.django_db
def test_merged_cells_went_to_the_right_objective(cycle):
    by_title = {o.title: o.description for o in pl_objectives(cycle)}
    tools = by_title["Utilizzo delle strumentazioni in dotazione al Comando di Polizia Locale"]
    assert "Corte dè Cortesi con Cignone, dei veicoli sprovvisti" in tools
    assert tools.endswith("in supporto all'attività di protezione civile.")
    nonni = by_title["Amici per la scuola – Nonni Vigili"]
    assert nonni.startswith("L'attuazione del servizio civico")
    assert "L'impegno quotidiano di queste persone" in nonni
    assert "Registro Italiano Bici" not in nonni
    assert "Registro Italiano Bici (RIB)" in by_title["Progetto Bici sicura"]
    fines = by_title["Gestione attività contravvenzionale"]
    assert fines.endswith("(attività di front office telefoniche nonché telematiche).")
    assert "front-office" not in "".join(by_title.values())


@pytest.mark.django_db
def test_activities_of_every_service(cycle):
    counts = {u.key: u.activities.count() for u in Unit.objects.filter(ente=cycle.ente)}
    assert {k: counts[k] for k in ACTIVITY_COUNTS} == ACTIVITY_COUNTS
    pl = [a.text for a in unit("polizia-locale").activities.order_by("order", "id")]
    assert pl[0] == "Osservazione e controllo mediante pattugliamento ed attività ispettiva;"
    assert pl[13] == "TSO/ASO"
    assert pl[-1] == "Collaborazione con l'ufficio dei Servizi Sociali."


@pytest.mark.django_db
def test_units_and_responsabili(cycle):
    tree = {
        u.key: (u.parent.key if u.parent else None) for u in Unit.objects.filter(ente=cycle.ente)
    }
    assert tree["ufficio-segreteria"] == tree["biblioteca"] == "affari-generali"
    assert tree["ufficio-servizi-sociali"] == "sociale"
    assert tree["edilizia-scolastica-sportiva"] == tree["cuc"] == "edilizia-cuc"
    segreteria = unit("affari-generali")
    assert segreteria.responsible.key == "segretario"
    assert segreteria.responsible.employments.get().role == "segretario"
    assert segreteria.responsible_label.endswith("– SEGRETARIO")
    pl = unit("polizia-locale")
    assert pl.responsible.key == "comandante-pl"
    assert pl.responsible_label.endswith("– COMANDANTE POLIZIA LOCALE")
    positions = sorted((a.person.key, a.position) for a in pl.assignments.filter(kind="ordinaria"))
    assert positions == [
        ("agente-pl-1", "Agente"),
        ("agente-pl-2", "Agente"),
        ("comandante-pl", "Comandante Polizia Locale"),
        ("vice-comandante-pl", "Vice comandante"),
    ]
    assert unit("edilizia-cuc").responsible_label.startswith(
        "Responsabile di Servizio del Comune di Casalbuttano ed Uniti per h 6 settimanali"
    )


@pytest.mark.django_db
def test_theatre_objective_for_the_member_comune(cycle):
    theatre = cycle.operational_objectives.get(unit__key="cultura")
    assert theatre.section.startswith("OBIETTIVI DI PERFORMANCE ORGANIZZATIVA PER ATTIVITA'")
    assert theatre.weight is None and theatre.weight_group is None
    assert [p.key for p in theatre.responsibles.all()] == ["bibliotecario"]
    phases = list(theatre.phases.order_by("order", "id"))
    assert [p.kind for p in phases] == ["azione"] * 5
    assert phases[0].description == "rapporti con le Compagnie;"
    assert phases[3].description == "rapporti con la SIAE"
    librarian = Person.objects.get(ente=cycle.ente, key="bibliotecario")
    assert {a.unit.key for a in librarian.assignments.all()} == {"biblioteca", "cultura"}
    assert cycle.operational_objectives.count() == 11


@pytest.mark.django_db
def test_evaluation_body(cycle):
    body = cycle.ente.evaluation_bodies.get()
    assert body.kind == "nucleo"
    assert body.members.count() == 1


def test_smvp_settings(cycle):
    """SMVP settings of the demo (the 2021 plan states none; these are sensible defaults):
    the plan has objectives with phases but no indicators, so an objective is scored on the
    progress of its phases and the ente on the mean of its objectives (100 %); a phase without
    progress counts as 0 (missing: zero), as the plan's objectives are all expected to move;
    linear rule and cap 100 are the defaults."""
    from engine.config import SmvpSettings

    settings = SmvpSettings.from_dict(cycle.ente.smvp_settings)
    assert settings.objective_aggregation.value == "phases"
    assert settings.missing.value == "zero"
    assert [(c.source.value, c.weight) for c in settings.ente_composition] == [
        ("objectives", Decimal("100")),
    ]
    assert settings.cap == Decimal("100") and settings.indicator.method.value == "linear"


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
