"""The individual scheda di valutazione and the premium tables, through the same machinery.

* `build_scheda`: one person's scheda (personal data: the caller checks `appraisal.access`);
* `build_premi`: the per-person premium lines of every fund (admin and Nucleo only);
* `build_premi_aggregati`: the art. 20 D.Lgs. 33/2013 tables, without names, for publication.

An ente that has no schede or no premium funds in the year (a consorzio whose staff is
evaluated elsewhere, a plan without funds) gets a short document that says so and why, not a
failed generation; a request that is merely incomplete (no person, a fund not yet distributed)
is still refused with what is missing.
"""

from __future__ import annotations

from decimal import Decimal

from appraisal import selectors as appraisal
from appraisal.models import Scheda
from documents import formatting as fmt
from documents.builders.common import DocumentUnavailable, new_document
from documents.builders.relazione import premium_rows
from documents.model import Column, ColumnKind, Document, Facts, Paragraph, Table
from organization.models import Person
from planning.models import Cycle
from rewards import aggregates
from rewards.selectors import person_table


def dec(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def nothing_document(
    cycle: Cycle, kind: str, title: str, stem: str, sections: list[tuple[str, str]]
) -> Document:
    """A short document that states there is nothing of its kind in the year, and why."""
    document = new_document(
        cycle,
        kind,
        title,
        subtitle=f"Anno {cycle.year}",
        cover_lines=["Nessun dato da riportare per l'anno"],
        keywords=[title, str(cycle.year)],
        filename_stem=stem,
        with_toc=False,
    )
    for heading, text in sections:
        document.section(heading).add(Paragraph(text))
    return document


def _no_schede(cycle: Cycle, person: Person | None) -> Document:
    who = f"{person.display_name} non ha una scheda di valutazione: " if person else ""
    return nothing_document(
        cycle,
        "scheda",
        "Schede individuali di valutazione",
        f"scheda-{cycle.year}-{person.key}" if person else f"schede-{cycle.year}-nessuna",
        [
            (
                "Nessuna scheda di valutazione",
                f"{who}nel ciclo {cycle.year} {cycle.ente.name} non ha schede individuali di "
                "valutazione in Performa: non c'è nessuna scheda da stampare. Le schede si "
                "aprono dalla pagina «Valutazione» dopo aver registrato il sistema di "
                "valutazione e i valutati dell'anno.",
            )
        ],
    )


def build_scheda(cycle: Cycle, person: Person | None) -> Document:
    if not Scheda.objects.filter(cycle=cycle).exists():
        return _no_schede(cycle, person)
    if person is None:
        raise DocumentUnavailable("Indica la persona di cui generare la scheda di valutazione.")
    scheda = Scheda.objects.filter(cycle=cycle, person=person).first()
    if scheda is None:
        raise DocumentUnavailable(
            f"{person.display_name} non ha una scheda di valutazione nel {cycle.year}."
        )
    detail = appraisal.scheda_detail(scheda)
    scheda = detail.scheda
    document = new_document(
        cycle,
        "scheda",
        "Scheda individuale di valutazione",
        subtitle=f"{person.display_name} – anno {cycle.year}",
        cover_lines=[scheda.scheme.name, f"Stato: {scheda.get_state_display()}"],
        keywords=["scheda di valutazione", str(cycle.year)],
        filename_stem=f"scheda-{cycle.year}-{person.key}",
        with_toc=False,
    )
    head = document.section("Dati della scheda")
    band = scheda.band
    head.add(
        Facts(
            [
                ("Valutato", person.display_name),
                ("Modello di scheda", scheda.scheme.name),
                ("Unità", scheda.unit.name if scheda.unit else "—"),
                (
                    "Valutatore",
                    scheda.evaluator.display_name
                    if scheda.evaluator
                    else scheda.get_evaluator_kind_display(),
                ),
                ("Stato", scheda.get_state_display()),
                (
                    "Punteggio",
                    f"{fmt.number(scheda.total_points)} su {fmt.number(scheda.scheme.max_points)}"
                    if scheda.total_points is not None
                    else "non ancora calcolato",
                ),
                (
                    "Fascia",
                    f"{fmt.number(band.min_points)}–{fmt.number(band.max_points)} punti, premio "
                    f"{fmt.percent(band.premium_percent)}"
                    if band
                    else "—",
                ),
                ("Ammesso alla valutazione", "sì" if scheda.is_eligible else "no"),
            ]
        )
    )
    if scheda.eligibility_note:
        head.add(Paragraph(scheda.eligibility_note))
    items = document.section("Valutazione")
    rows = []
    for component, component_items, points in detail.components:
        for item in component_items:
            what = item.behaviour.name if item.behaviour else ""
            if item.objective is not None:
                what = str(item.objective)
            rows.append(
                [
                    component.label,
                    component.weight,
                    what or component.get_kind_display(),
                    item.raw_score,
                    item.points,
                    item.note,
                ]
            )
        rows.append([f"Totale {component.label}", None, "", None, points, ""])
    items.add(
        Table(
            "Componenti, voci e punti",
            [
                Column("Componente", width=3),
                Column("Peso", ColumnKind.PERCENT),
                Column("Voce", width=4),
                Column("Valutazione", ColumnKind.NUMBER),
                Column("Punti", ColumnKind.NUMBER),
                Column("Motivazione", width=3),
            ],
            rows,
            sheet="Voci della scheda",
        )
    )
    if scheda.evaluator_notes:
        items.add(Paragraph(f"Osservazioni del valutatore: {scheda.evaluator_notes}"))
    if scheda.self_evaluation_text:
        items.add(Paragraph(f"Autovalutazione: {scheda.self_evaluation_text}"))
    if scheda.interview_date or scheda.interview_notes:
        items.add(
            Paragraph(
                f"Colloquio del {fmt.date(scheda.interview_date)}: {scheda.interview_notes}".strip()
            )
        )
    history = document.section("Passaggi di stato")
    history.add(
        Table(
            "Storia della scheda",
            [
                Column("Data", ColumnKind.DATE),
                Column("Da", width=1),
                Column("A", width=1),
                Column("Nota", width=4),
            ],
            [
                [
                    t.at.date(),
                    t.get_from_state_display() if t.from_state else "",
                    t.get_to_state_display(),
                    ("Riapertura: " if t.is_reopening else "") + t.note,
                ]
                for t in detail.transitions
            ],
            sheet="Passaggi di stato",
        )
    )
    conciliation = detail.conciliation
    if conciliation is not None:
        document.section("Contestazione e conciliazione").add(
            Facts(
                [
                    ("Richiesta il", fmt.date(conciliation.requested_at)),
                    ("Motivi", conciliation.request_text),
                    ("Incontro", fmt.date(conciliation.meeting_date)),
                    ("Esito", conciliation.get_outcome_display() or "in corso"),
                    ("Motivazione dell'esito", conciliation.outcome_text or "—"),
                    ("Punteggio contestato", fmt.number(conciliation.previous_points)),
                    ("Punteggio dopo la conciliazione", fmt.number(conciliation.new_points)),
                ]
            )
        )
    return document


def _no_funds_text(cycle: Cycle) -> str:
    return (
        f"Nel {cycle.year} {cycle.ente.name} non ha registrato in Performa fondi per i premi "
        "collegati alla performance: nessun premio risulta stanziato né distribuito."
    )


def build_premi(cycle: Cycle) -> Document:
    every = premium_rows(cycle)
    if not every:
        return nothing_document(
            cycle,
            "premi",
            "Premi collegati alla performance: distribuzione per persona",
            f"premi-per-persona-{cycle.year}",
            [("Nessun fondo per i premi", _no_funds_text(cycle))],
        )
    rows = [r for r in every if r["distribution"] is not None]
    if not rows:
        raise DocumentUnavailable(
            f"Nessuna distribuzione dei premi calcolata per il {cycle.year}: calcola "
            "un'anteprima della distribuzione di almeno un fondo."
        )
    document = new_document(
        cycle,
        "premi",
        "Premi collegati alla performance: distribuzione per persona",
        subtitle=f"Anno {cycle.year} – documento ad uso interno (contiene dati personali)",
        keywords=["premi", "distribuzione", str(cycle.year)],
        filename_stem=f"premi-per-persona-{cycle.year}",
    )
    summary = document.section("Premialità stanziata e distribuita")
    summary.add(_amounts_table(rows, cycle))
    for row in rows:
        distribution = row["distribution"]
        lines = person_table(list(distribution.lines.select_related("person")))
        part = document.section(f"{row['label']} ({row['state']})")
        part.add(
            Table(
                f"{row['label']}: premi per persona",
                [
                    Column("Cognome e nome", width=3),
                    Column("Categoria", width=2),
                    Column("Punteggio", ColumnKind.NUMBER),
                    Column("Fascia %", ColumnKind.PERCENT),
                    Column("Part-time %", ColumnKind.PERCENT),
                    Column("Ammesso", width=1),
                    Column("Premio base", ColumnKind.EURO),
                    Column("Maggiorazione", ColumnKind.EURO),
                    Column("Trattenuto", ColumnKind.EURO),
                    Column("Totale", ColumnKind.EURO),
                ],
                [
                    [
                        line["name"],
                        line["category_label"],
                        dec(line["score"]),
                        dec(line["band_percent"]),
                        dec(line["part_time"]),
                        "sì" if line["eligible"] else f"no: {line['reason']}",
                        dec(line["base"]),
                        dec(line["bonus"]),
                        dec(line["withheld"]),
                        dec(line["total"]),
                    ]
                    for line in lines
                ],
                sheet="Premi per persona",
            )
        )
    return document


def _amounts_table(rows, cycle) -> Table:
    return Table(
        f"Premi {cycle.year}: stanziato, distribuito, residuo",
        [
            Column("Fondo", width=4),
            Column("Stanziato", ColumnKind.EURO),
            Column("Distribuito", ColumnKind.EURO),
            Column("Residuo", ColumnKind.EURO),
            Column("Distribuzione", width=1),
        ],
        [[r["label"], r["allocated"], r["distributed"], r["residual"], r["state"]] for r in rows],
        sheet="Premialità",
    )


def build_premi_aggregati(cycle: Cycle) -> Document:
    tables = aggregates.art20_tables(cycle.ente, cycle.year)
    if not tables["amounts"]["rows"]:
        # Two sections, as the public pages take them: c.1 the amounts, c.2 the distribution.
        return nothing_document(
            cycle,
            "premi_aggregati",
            "Dati relativi ai premi",
            f"dati-premi-{cycle.year}",
            [
                ("Ammontare complessivo dei premi (art. 20 c.1)", _no_funds_text(cycle)),
                (
                    "Dati relativi ai premi e differenziazione (art. 20 c.2)",
                    "Senza premi non c'è una distribuzione per fascia né un grado di "
                    "differenziazione da pubblicare.",
                ),
            ],
        )
    document = new_document(
        cycle,
        "premi_aggregati",
        "Dati relativi ai premi",
        subtitle=f"Anno {cycle.year} – art. 20 D.Lgs. 33/2013, dati aggregati",
        keywords=["premi", "trasparenza", str(cycle.year)],
        filename_stem=f"dati-premi-{cycle.year}",
        with_toc=False,
    )
    add_art20(document, tables)
    return document


def add_art20(document: Document, tables: dict) -> None:
    year = tables["year"]
    amounts = document.section("Ammontare complessivo dei premi (art. 20 c.1)")
    amounts.add(Paragraph(tables["amounts"]["text"]))
    amounts.add(
        Table(
            f"Premi collegati alla performance {year}: stanziati e distribuiti",
            [
                Column("Fondo", width=4),
                Column("Stanziato", ColumnKind.EURO),
                Column("Distribuito", ColumnKind.EURO),
                Column("Residuo", ColumnKind.EURO),
                Column("Stato", width=2),
            ],
            [
                [
                    r["label"],
                    dec(r["allocated"]),
                    dec(r["distributed"]),
                    dec(r["residual"]),
                    "distribuito" if r["final"] else "non ancora distribuito",
                ]
                for r in tables["amounts"]["rows"]
            ],
            sheet="Ammontare premi",
        )
    )
    data = document.section("Dati relativi ai premi e differenziazione (art. 20 c.2)")
    for category in tables["categories"]:
        data.add(Paragraph(category["text"]))
        data.add(
            Table(
                f"{category['label']}: distribuzione per fascia",
                [
                    Column("Fascia", width=5),
                    Column("Persone", ColumnKind.INTEGER),
                    Column("% dei valutati", ColumnKind.PERCENT),
                    Column("Premio della fascia", ColumnKind.PERCENT),
                ],
                [
                    [b["text"], b["count"], dec(b["percent"]), dec(b["premium_percent"])]
                    for b in category["bands"]
                ],
                sheet="Distribuzione per fascia",
                empty_text="Nessuna distribuzione definitiva.",
                note=category.get("reason", ""),
            )
        )
