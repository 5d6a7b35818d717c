"""The Relazione sulla Performance (CiVIT delibera 5/2012 outline, DFP guidelines 3/2018
principles), every section filled from the data of the cycle.

The organisational figures are `measurement.selectors.cycle_scores(cycle)` (the figures of
`manage.py cycle_scores` for the year), the premiums are the distributions of `rewards` (the
final one of each fund, as `manage.py distribute_premiums` prints it, or the latest preview
while the Relazione is not yet validated, labelled as such).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone

from appraisal import selectors as appraisal
from appraisal.models import Conciliation, Scheda
from core.models import AuditEntry
from core.privacy import shown_aggregates, too_small
from documents import formatting as fmt
from documents.builders.common import (
    DocumentUnavailable,
    approval_line,
    load_plan,
    new_document,
    require_approved,
    staff_facts,
)
from documents.builders.payment_times import add_payment_times
from documents.builders.results import (
    Results,
    area_chart,
    deviations_table,
    indicators_table,
    objectives_table,
    status_chart,
    summary_paragraph,
)
from documents.model import BulletList, Chart, Column, ColumnKind, Document, Facts, Paragraph, Table
from measurement import selectors as measurement
from measurement.models import Measurement, MonitoringWindow, WindowState
from organization.models import EvaluationBody
from planning.models import Cycle, PiaoTag, PlanRevision
from rewards.models import Distribution, DistributionState, Fund, FundKind
from rewards.selectors import allocated_vs_distributed, mean_score_of

CENT = Decimal("0.01")
WITHHELD = "non mostrato"
ACTIONS = {
    "cycle.create": "Apertura del ciclo",
    "cycle.propose": "Proposta del piano",
    "cycle.approve": "Approvazione del piano",
    "cycle.advance": "Passaggio di fase del ciclo",
    "cycle.return_to_draft": "Ritorno in bozza del piano",
    "report.validate": "Validazione della Relazione da parte del Nucleo",
}


def scores(cycle: Cycle) -> measurement.ScoreBoard:
    """The year's scores, exactly as `cycle_scores` computes them for the cycle."""
    return measurement.cycle_scores(cycle)


def premium_rows(cycle: Cycle) -> list[dict]:
    """Per fund: allocated, distributed, residual, from the final distribution (or the latest
    preview while none is final)."""
    funds = list(Fund.objects.filter(ente=cycle.ente, year=cycle.year).order_by("kind"))
    rows = []
    for fund in funds:
        final = fund.distributions.filter(state=DistributionState.FINAL).first()
        chosen = final or (
            Distribution.objects.filter(fund=fund, cycle=cycle)
            .order_by("-created_at", "-id")
            .first()
        )
        figures = allocated_vs_distributed(chosen) if chosen else None
        rows.append(
            {
                "fund": fund,
                "label": FundKind(fund.kind).label,
                "allocated": Decimal(fund.amount),
                "distributed": Decimal(figures["distributed"]) if figures else None,
                "residual": Decimal(figures["residual"]) if figures else None,
                "withheld": Decimal(figures["withheld"]) if figures else None,
                "state": ("definitiva" if final else ("anteprima" if chosen else "non calcolata")),
                "distribution": chosen,
            }
        )
    return rows


def require_closed_year(cycle: Cycle, what: str) -> None:
    require_approved(cycle, what)
    if timezone.localdate() <= dt.date(cycle.year, 12, 31):
        raise DocumentUnavailable(
            f"{what} {cycle.year} si redige a consuntivo: l'anno si chiude il "
            f"31/12/{cycle.year}. Per l'andamento in corso d'anno genera il report di "
            "monitoraggio."
        )
    if not Measurement.objects.filter(cycle=cycle, indicator__isnull=False).exists():
        raise DocumentUnavailable(
            f"{what} {cycle.year}: nessun valore misurato nel {cycle.year}. Inserisci i "
            "consuntivi degli indicatori, poi genera il documento."
        )


def build(cycle: Cycle) -> Document:
    require_closed_year(cycle, "La Relazione sulla performance")
    board = scores(cycle)
    data = board.to_dict()
    values = measurement.values_as_of(cycle, dt.date(cycle.year, 12, 31))["measurements"]
    results = Results(data, values)
    plan = load_plan(cycle)
    document = new_document(
        cycle,
        "relazione",
        "Relazione sulla performance",
        subtitle=f"Anno {cycle.year}",
        cover_lines=[
            f"Rendicontazione del piano {cycle.horizon_label} – annualità {cycle.year}",
            approval_line(cycle),
            _validation_line(cycle),
        ],
        keywords=["Relazione sulla performance", str(cycle.year)],
        filename_stem=f"relazione-{cycle.year}",
    )
    _presentation(document, cycle)
    _synthesis(document, cycle, results)
    _objectives(document, cycle, results, plan, board)
    _resources(document, cycle, results, plan)
    _gender(document, cycle)
    _individual(document, cycle)
    _premiums(document, cycle)
    _process(document, cycle)
    return document


def _validation_line(cycle: Cycle) -> str:
    validation = getattr(cycle, "report_validation", None)
    if validation is None:
        return "Relazione non ancora validata dal Nucleo di Valutazione"
    return (
        f"Validata dal Nucleo di Valutazione il {fmt.date(validation.validated_on)} "
        f"({validation.act_label})"
    )


def nucleo_text(cycle: Cycle) -> str:
    body = EvaluationBody.objects.filter(ente=cycle.ente).prefetch_related("members").first()
    if body is None:
        return "Organismo di valutazione non registrato."
    members = ", ".join(
        m.full_name + (" (presidente)" if m.is_chair else "") for m in body.members.all()
    )
    return f"{body.name}" + (f": {members}" if members else "")


def _presentation(document: Document, cycle: Cycle) -> None:
    section = document.section("1. Presentazione")
    section.add(
        Paragraph(
            f"La Relazione sulla performance rende conto dei risultati organizzativi e "
            f"individuali raggiunti da {cycle.ente.name} nel {cycle.year} rispetto agli "
            "obiettivi del piano e alle risorse, con la rilevazione degli scostamenti (art. 10 "
            "c.1 lett. b D.Lgs. 150/2009). È validata dal Nucleo di Valutazione (art. 14 c.4 "
            "lett. c) e la validazione è condizione per l'erogazione dei premi (art. 14 c.6)."
        ),
        Facts(
            [
                ("Ente", cycle.ente.name),
                ("Anno", str(cycle.year)),
                ("Piano di riferimento", f"{cycle.title} {cycle.subtitle}".strip()),
                ("Approvazione del piano", approval_line(cycle)),
                ("Organismo di valutazione", nucleo_text(cycle)),
                ("Validazione", _validation_line(cycle)),
            ]
        ),
    )


def _synthesis(document: Document, cycle: Cycle, results: Results) -> None:
    section = document.section("2. Sintesi per i cittadini e gli stakeholder")
    facts = staff_facts(cycle.ente, cycle.year)
    context = section.section("2.1 Il contesto e l'organizzazione")
    context.add(
        Paragraph(
            f"{cycle.ente.name} ({cycle.ente.get_kind_display().lower()}) ha operato nel "
            f"{cycle.year} con {facts.own} dipendenti propri"
            + (
                f" e {len(facts.borrowed)} incarichi in convenzione o comando"
                if facts.borrowed
                else ""
            )
            + "."
        )
    )
    if facts.members:
        context.add(Paragraph("Enti aderenti: " + ", ".join(facts.members) + "."))
    main = section.section("2.2 I principali risultati")
    main.add(summary_paragraph(results, f"Risultati {cycle.year}"))
    main.add(status_chart(results, f"Obiettivi per esito – {cycle.year}"))
    main.add(area_chart(results, f"Raggiungimento per area – {cycle.year}"))


def _objectives(document, cycle, results: Results, plan, board) -> None:
    section = document.section("3. Obiettivi: risultati raggiunti e scostamenti")
    tree = section.section("3.1 L'albero della performance")
    rows = []
    for objective in plan.objectives:
        strategic = plan.strategic.get(objective.strategic_objective_id)
        unit = plan.units_by_id.get(objective.unit_id)
        rows.append(
            [
                str(strategic) if strategic else "—",
                objective.title,
                unit.name if unit else "Tutte le aree",
            ]
        )
    tree.add(
        Table(
            "Dagli obiettivi strategici agli obiettivi operativi",
            [
                Column("Obiettivo strategico", width=3),
                Column("Obiettivo operativo", width=5),
                Column("Struttura", width=3),
            ],
            rows,
            sheet="Albero della performance",
        )
    )
    org = section.section("3.2 La performance organizzativa dell'ente e delle aree")
    data_ente = results.data.get("ente", {})
    org.add(
        Paragraph(
            f"Performance organizzativa dell'ente: {fmt.percent(results.ente_percent)}. "
            f"Come è calcolata: {data_ente.get('explanation', {}).get('text', '')}"
        )
    )
    org.add(
        Table(
            f"Performance organizzativa per struttura – {cycle.year}",
            [
                Column("Struttura", width=4),
                Column("Raggiungimento", ColumnKind.PERCENT),
                Column("Regola applicata", width=3),
            ],
            [
                [
                    ("    " * depth(u, results)) + u["label"],
                    Decimal(u["display_percent"]) if u.get("display_percent") else None,
                    u.get("explanation", {}).get("rule_label", ""),
                ]
                for u in results.units
            ],
            sheet="Performance per struttura",
        )
    )
    ops = section.section("3.3 Gli obiettivi operativi")
    ops.add(objectives_table(results, f"Obiettivi operativi: raggiungimento {cycle.year}"))
    table, missing = deviations_table(results, f"Scostamenti e motivazioni – {cycle.year}")
    ops.add(table)
    if missing:
        ops.add(
            Paragraph(
                f"Attenzione: {len(missing)} scostamenti non hanno una motivazione registrata."
            )
        )
    ops.add(indicators_table(results, f"Indicatori: target e consuntivo {cycle.year}"))
    transversal = section.section("3.4 Gli obiettivi trasversali")
    entries = []
    by_key = {o["key"]: o for o in results.objectives}
    for objective in plan.objectives:
        tags = [PiaoTag(t).label for t in objective.tags if t in PiaoTag.values]
        if objective.is_transversal or objective.unit_id is None or tags:
            scored = by_key.get(objective.key, {})
            entries.append(
                [
                    objective.title,
                    ", ".join(tags) or "Trasversale",
                    scored.get("status", {}).get("label", ""),
                    Decimal(scored["display_percent"]) if scored.get("display_percent") else None,
                ]
            )
    transversal.add(
        Table(
            "Obiettivi trasversali: semplificazione, accessibilità, pari opportunità",
            [
                Column("Obiettivo", width=5),
                Column("Ambito", width=2),
                Column("Esito", width=1),
                Column("Raggiungimento", ColumnKind.PERCENT),
            ],
            entries,
            sheet="Obiettivi trasversali",
            empty_text="Nessun obiettivo trasversale nel piano.",
        )
    )
    payment = section.section("3.5 I tempi di pagamento")
    rows = []
    for objective in plan.objectives:
        if objective.is_payment_time:
            scored = by_key.get(objective.key, {})
            unit = plan.units_by_id.get(objective.unit_id)
            rows.append(
                [
                    unit.name if unit else "Ente",
                    objective.weight,
                    Decimal(scored["display_percent"]) if scored.get("display_percent") else None,
                    scored.get("explanation", {}).get("text", ""),
                ]
            )
    payment.add(
        Paragraph(
            "Obiettivo sul rispetto dei tempi di pagamento assegnato ai responsabili (art. 4-bis "
            "DL 13/2023), valutato sull'indicatore di ritardo annuale."
        ),
        Table(
            f"Obiettivi sui tempi di pagamento – {cycle.year}",
            [
                Column("Struttura", width=3),
                Column("Peso", ColumnKind.PERCENT),
                Column("Raggiungimento", ColumnKind.PERCENT),
                Column("Come è calcolato", width=5),
            ],
            rows,
            sheet="Tempi di pagamento",
            empty_text="Il piano non contiene obiettivi sui tempi di pagamento.",
        ),
    )


def depth(unit: dict, results: Results) -> int:
    parents = {u["key"]: u.get("parent") for u in results.units}
    level, key, seen = 0, unit.get("parent"), set()
    while key and key not in seen:
        seen.add(key)
        level += 1
        key = parents.get(key)
    return level


def _resources(document, cycle, results: Results, plan) -> None:
    section = document.section("4. Risorse, efficienza ed economicità")
    ente_indicators = [i for i in results.indicators if i.get("role") == "ente"]
    section.add(
        Paragraph(
            "Gli indicatori di ente sulla salute finanziaria e sulla gestione del personale, "
            "con il target del piano e il valore a consuntivo."
        ),
        Table(
            f"Indicatori di ente – {cycle.year}",
            [
                Column("Indicatore", width=4),
                Column("Target", width=3),
                Column("Consuntivo", width=1),
                Column("Raggiungimento", ColumnKind.PERCENT),
            ],
            [
                [
                    i["label"],
                    i.get("target") or "",
                    fmt.number(Decimal(i["value"])) if i.get("value") is not None else "",
                    Decimal(i["display_percent"]) if i.get("display_percent") else None,
                ]
                for i in ente_indicators
            ],
            sheet="Indicatori di ente",
            empty_text="Il piano non contiene indicatori a livello di ente.",
        ),
    )
    add_payment_times(
        section.section("4.1 Tempestività dei pagamenti e debito commerciale"),
        cycle.ente,
        cycle.year,
    )


def _gender(document, cycle) -> None:
    section = document.section("5. Pari opportunità e bilancio di genere")
    facts = staff_facts(cycle.ente, cycle.year)
    stated = sum(f + m for _, f, m, _ in facts.by_category_gender)
    section.add(
        Table(
            f"Personale dipendente {cycle.year} per genere e categoria",
            [
                Column("Area / categoria", width=3),
                Column("Donne", ColumnKind.INTEGER),
                Column("Uomini", ColumnKind.INTEGER),
                Column("Non indicato", ColumnKind.INTEGER),
            ],
            [list(row) for row in facts.by_category_gender],
            sheet="Bilancio di genere",
            empty_text="Nessun rapporto di lavoro registrato.",
        )
    )
    if stated == 0:
        section.add(
            Paragraph(
                "Il genere del personale non è registrato: per il bilancio di genere "
                "(art. 10 c.1 lett. b D.Lgs. 150/2009) indicalo nell'anagrafica delle persone."
            )
        )
    else:
        women = sum(f for _, f, _, _ in facts.by_category_gender)
        share = (Decimal(women) * 100 / stated).quantize(CENT, rounding=ROUND_HALF_UP)
        section.add(
            Paragraph(f"Le donne sono il {fmt.percent(share)} del personale con genere indicato.")
        )


def _individual(document, cycle) -> None:
    section = document.section("6. La performance individuale")
    figures = appraisal.aggregates(cycle)
    if figures.total == 0:
        section.add(
            Paragraph(
                f"Nessuna scheda di valutazione registrata per il {cycle.year}: la valutazione "
                "individuale non è ancora stata svolta."
            )
        )
        return
    # A published document: the small groups are withheld as for every role that may not read
    # the individual schede (core.privacy, issue 14).
    shown = shown_aggregates(figures, sees_individuals=False)
    limit = shown.limit
    schede = list(
        Scheda.objects.filter(cycle=cycle).select_related("scheme").order_by("scheme__order")
    )
    scored = [s for s in schede if s.total_points is not None]
    # The same sentence as the distribution page (rewards.selectors.mean_score_of): the scheme's
    # scale and 100, naming the population the mean covers.
    mean = mean_score_of(
        [(Decimal(s.total_points), Decimal(s.scheme.max_points)) for s in scored],
        f"delle schede con punteggio ({len(scored)}, tutti i modelli di scheda)",
    )
    mean_text = (
        f"Punteggio medio: {WITHHELD}." if shown.mean_withheld or not scored else mean["text"]
    )
    negatives = WITHHELD if shown.negatives is None else str(shown.negatives)
    section.add(
        Paragraph(
            f"Schede di valutazione: {figures.total}, di cui {figures.scored} con punteggio; "
            f"valutazioni negative: {negatives}. {mean_text}"
        )
    )
    by_scheme: dict[str, list[Scheda]] = defaultdict(list)
    for scheda in schede:
        by_scheme[scheda.scheme.name].append(scheda)
    rows = []
    few_schemes = []
    for name, items in by_scheme.items():
        points = [s.total_points for s in items if s.total_points is not None]
        if too_small(len(points), limit=limit):
            few_schemes.append(name)
            points = []
        mean_points = (
            (sum(points, Decimal(0)) / len(points)).quantize(CENT, rounding=ROUND_HALF_UP)
            if points
            else None
        )
        scale = Decimal(items[0].scheme.max_points)
        rows.append(
            [
                name,
                len(items),
                scale,
                mean_points,
                Decimal(mean_score_of([(Decimal(p), scale) for p in points], "")["on_100"])
                if points
                else None,
                min(points) if points else None,
                max(points) if points else None,
            ]
        )
    section.add(
        Table(
            f"Valutati per categoria (modello di scheda) – {cycle.year}",
            [
                Column("Categoria / modello di scheda", width=4),
                Column("Valutati", ColumnKind.INTEGER),
                Column("Scala (punti)", ColumnKind.NUMBER),
                Column("Punteggio medio", ColumnKind.NUMBER),
                Column("Media su 100", ColumnKind.NUMBER),
                Column("Minimo", ColumnKind.NUMBER),
                Column("Massimo", ColumnKind.NUMBER),
            ],
            rows,
            sheet="Valutati per categoria",
            note=(
                f"Punteggi non mostrati per {', '.join(few_schemes)}: meno di {limit} schede "
                "con punteggio, si risalirebbe al punteggio delle singole persone."
                if few_schemes
                else ""
            ),
        )
    )
    bands = [
        [
            row.band.scheme_name,
            row.band.band_label
            or f"{fmt.number(row.band.min_points)}–{fmt.number(row.band.max_points)}",
            row.band.premium_percent,
            row.count,
        ]
        for row in shown.bands
    ]
    from core.charts import Bar, bar_chart

    note = ""
    if shown.suppressed_schemes:
        note = f"{shown.reason} Modelli di scheda: {', '.join(shown.suppressed_schemes)}."
    band_table = Table(
        f"Valutati per fascia di punteggio – {cycle.year}",
        [
            Column("Modello di scheda", width=3),
            Column("Fascia", width=2),
            Column("Premio della fascia", ColumnKind.PERCENT),
            Column("Valutati", ColumnKind.INTEGER),
        ],
        bands,
        sheet="Valutati per fascia",
        note=note,
    )
    bars = [
        Bar(f"{row[0][:18]} {row[1]}", None if row[3] is None else Decimal(row[3])) for row in bands
    ]
    top = max((row[3] for row in bands if row[3] is not None), default=1) or 1
    title = f"Distribuzione dei punteggi per fascia – {cycle.year}"
    section.add(
        Chart(
            title,
            bar_chart(title, bars, unit="", maximum=Decimal(top)),
            "Grafico a barre. "
            + "; ".join(f"{b.label}: {WITHHELD if b.value is None else b.value}" for b in bars)
            + ".",
            band_table,
        )
    )
    managers = [s for s in schede if s.scheme.is_managerial and s.total_points is not None]
    if managers:
        points = [s.total_points for s in managers]
        if too_small(len(points), limit=limit):
            detail = f"punteggi {WITHHELD} (meno di {limit} persone)"
        else:
            detail = (
                f"punteggio medio "
                f"{fmt.number((sum(points, Decimal(0)) / len(points)).quantize(CENT))}, minimo "
                f"{fmt.number(min(points))}, massimo {fmt.number(max(points))}"
            )
        section.add(
            Paragraph(f"Responsabili (dirigenti ed EQ) valutati: {len(managers)}; {detail}.")
        )
    conciliations = list(Conciliation.objects.filter(scheda__cycle=cycle))
    outcomes = Counter(c.get_outcome_display() if c.outcome else "In corso" for c in conciliations)
    section.add(
        Paragraph(
            f"Procedure di conciliazione aperte: {len(conciliations)}"
            + (
                ": " + ", ".join(f"{label} {n}" for label, n in outcomes.items())
                if outcomes
                else ""
            )
            + "."
        )
    )
    points = sorted(s.total_points for s in schede if s.total_points is not None)
    distinct = len(set(points))
    section.add(
        Paragraph(
            f"Grado di differenziazione dei giudizi (art. 9 c.1 lett. d D.Lgs. 150/2009): "
            f"{distinct} punteggi distinti su {len(points)} schede"
            + (
                f", dal minimo di {fmt.number(points[0])} al massimo di {fmt.number(points[-1])}."
                if points and not too_small(len(points), limit=limit)
                else "."
            )
        )
    )


def _premiums(document, cycle) -> None:
    section = document.section("7. Premialità stanziata e distribuita")
    rows = premium_rows(cycle)
    section.add(
        Table(
            f"Premi collegati alla performance {cycle.year}",
            [
                Column("Fondo", width=4),
                Column("Stanziato", ColumnKind.EURO),
                Column("Distribuito", ColumnKind.EURO),
                Column("Trattenuto (tempi di pagamento)", ColumnKind.EURO),
                Column("Residuo", ColumnKind.EURO),
                Column("Distribuzione", width=1),
            ],
            [
                [
                    r["label"],
                    r["allocated"],
                    r["distributed"],
                    r["withheld"],
                    r["residual"],
                    r["state"],
                ]
                for r in rows
            ],
            sheet="Premialità",
            empty_text=f"Nessun fondo registrato per il {cycle.year}.",
        )
    )
    if rows:
        from core.charts import Series, grouped_bar_chart

        title = f"Premi {cycle.year}: stanziato e distribuito per fondo"
        labels = [r["label"] for r in rows]
        series = [
            Series("Stanziato", [r["allocated"] for r in rows]),
            Series("Distribuito", [r["distributed"] for r in rows]),
        ]
        section.add(
            Chart(
                title,
                grouped_bar_chart(title, labels, series, unit="€"),
                "Grafico a barre raggruppate. "
                + "; ".join(
                    f"{r['label']}: stanziato {fmt.euro(r['allocated'])}, distribuito "
                    f"{fmt.euro(r['distributed'])}"
                    for r in rows
                )
                + ".",
                Table(
                    title,
                    [
                        Column("Fondo", width=4),
                        Column("Stanziato", ColumnKind.EURO),
                        Column("Distribuito", ColumnKind.EURO),
                    ],
                    [[r["label"], r["allocated"], r["distributed"]] for r in rows],
                    sheet="Premi per fondo",
                ),
            )
        )
        allocated = sum((r["allocated"] for r in rows), Decimal(0))
        distributed = sum((r["distributed"] or Decimal(0) for r in rows), Decimal(0))
        section.add(
            Paragraph(
                f"Totale stanziato {fmt.euro(allocated)}, distribuito {fmt.euro(distributed)}."
                + (
                    " Le distribuzioni in anteprima diventano definitive solo dopo la "
                    "validazione della Relazione."
                    if any(r["state"] != "definitiva" for r in rows)
                    else ""
                )
            )
        )


def _process(document, cycle) -> None:
    section = document.section("8. Il processo di redazione della Relazione")
    events: list[tuple[dt.date, str, str]] = []
    for entry in AuditEntry.objects.filter(
        object_type="planning.Cycle", object_id=str(cycle.pk), action__in=list(ACTIONS)
    ).order_by("created_at"):
        detail = ""
        state = entry.changes.get("state") if isinstance(entry.changes, dict) else None
        if isinstance(state, list) and len(state) == 2:
            detail = f"{state[0]} → {state[1]}"
        events.append((timezone.localdate(entry.created_at), ACTIONS[entry.action], detail))
    if cycle.approval_act_date:
        events.append(
            (cycle.approval_act_date, "Delibera di approvazione del piano", approval_line(cycle))
        )
    for window in MonitoringWindow.objects.filter(cycle=cycle, state=WindowState.CLOSED):
        events.append(
            (
                timezone.localdate(window.closed_at) if window.closed_at else window.period_end,
                f"Chiusura della finestra «{window.label}»",
                f"valori al {fmt.date(window.period_end)}",
            )
        )
    validation = getattr(cycle, "report_validation", None)
    if validation is not None:
        events.append(
            (validation.validated_on, "Validazione della Relazione", validation.act_label)
        )
    events.sort(key=lambda e: e[0])
    section.add(
        Table(
            f"Fasi del ciclo della performance {cycle.year}",
            [
                Column("Data", ColumnKind.DATE),
                Column("Fase", width=3),
                Column("Dettaglio", width=3),
            ],
            [list(e) for e in events],
            sheet="Processo",
            empty_text="Nessuna fase registrata.",
        )
    )
    revisions = list(PlanRevision.objects.filter(cycle=cycle))
    section.add(
        Table(
            "Variazioni del piano in corso d'anno (art. 10 c.3 D.Lgs. 150/2009)",
            [
                Column("N.", ColumnKind.INTEGER),
                Column("Data", ColumnKind.DATE),
                Column("Motivazione", width=5),
                Column("Atto", width=2),
            ],
            [[r.number, r.date, r.motivation, r.act_label] for r in revisions],
            sheet="Variazioni del piano",
            empty_text="Il piano non è stato modificato in corso d'anno.",
        )
    )
    section.add(
        BulletList(
            [
                "Soggetti: Giunta (approvazione del piano e della Relazione), Segretario o "
                "Direttore (coordinamento), responsabili (misurazione), Nucleo di Valutazione "
                "(validazione).",
                "Tempi: piano entro il 31 gennaio, Relazione e validazione entro il 30 giugno "
                "dell'anno successivo.",
            ]
        )
    )
    _strengths_and_weaknesses(section.section("8.1 Punti di forza e di debolezza"), cycle)


def _strengths_and_weaknesses(section, cycle) -> None:
    """The strengths and weaknesses of the cycle as the data show them: the checks the Nucleo
    runs on the Relazione (met or to verify) and whether the plan was approved in time."""
    from documents.builders import nucleo  # nucleo builds on this module

    strengths: list[str] = []
    weaknesses: list[str] = []
    deadline = dt.date(cycle.year, 1, 31)
    if cycle.approval_act_date:
        line = f"Piano approvato il {fmt.date(cycle.approval_act_date)}"
        if cycle.approval_act_date <= deadline:
            strengths.append(f"{line}, entro il {fmt.date(deadline)}.")
        else:
            weaknesses.append(f"{line}, dopo il termine del {fmt.date(deadline)}.")
    for check in nucleo.checks(cycle):
        line = f"{check.criterion}: {check.evidence}."
        (strengths if check.outcome == nucleo.OK else weaknesses).append(line)
    section.add(
        Paragraph(
            "Rilevati dai dati del ciclo con gli stessi controlli del documento di "
            "accompagnamento alla validazione."
        ),
        Paragraph("Punti di forza", emphasis=True),
        BulletList(strengths or ["Nessuno rilevato dai controlli automatici."]),
        Paragraph("Punti di debolezza", emphasis=True),
        BulletList(weaknesses or ["Nessuno rilevato dai controlli automatici."]),
    )
