"""The Sistema di misurazione e valutazione della performance (SMVP) as a readable document:
the rules the ente set in Performa (organisational levels, how an indicator is scored, how
scores roll up, the statuses) and the evaluation schemes with their components and bands."""

from __future__ import annotations

from appraisal.models import EvaluationScheme, SchemeComponent, ScoreBand
from documents import formatting as fmt
from documents.builders.common import new_document, paragraphs
from documents.model import Column, ColumnKind, Document, Facts, Paragraph, Table
from measurement import scoring
from planning.models import Cycle


def _label(value) -> str:
    return getattr(value, "label", str(value))


def build(cycle: Cycle) -> Document:
    settings = scoring.ente_settings(cycle.ente.smvp_settings, list(cycle.org_levels.all()))
    document = new_document(
        cycle,
        "smvp",
        "Sistema di misurazione e valutazione della performance",
        subtitle=f"Regole applicate al ciclo {cycle.year}",
        filename_stem=f"smvp-{cycle.year}",
    )
    intro = document.section("Riferimenti")
    intro.add(*(paragraphs(cycle.smvp_reference) or [Paragraph("Atto di adozione non indicato.")]))
    org = document.section("La performance organizzativa")
    levels = list(cycle.org_levels.all())
    if levels:
        org.add(
            Table(
                "Livelli di performance organizzativa",
                [Column("Livello", width=4), Column("Peso", ColumnKind.PERCENT)],
                [[level.label, level.weight] for level in levels],
                sheet="Livelli",
            )
        )
    rule = settings.indicator
    org.add(
        Facts(
            [
                ("Calcolo del raggiungimento di un indicatore", _label(rule.method)),
                ("Tolleranza", f"{fmt.number(rule.tolerance)} ({_label(rule.tolerance_kind)})"),
                ("Raggiungimento minimo", fmt.percent(rule.minimum)),
                ("Raggiungimento massimo riconosciuto", fmt.percent(settings.cap)),
                ("Aggregazione negli obiettivi", _label(settings.objective_aggregation)),
                ("Indicatori senza dato", _label(settings.missing)),
                (
                    "Composizione della performance di ente",
                    "; ".join(
                        f"{_label(part.source)} {fmt.percent(part.weight)}"
                        for part in settings.ente_composition
                    ),
                ),
                ("Obiettivo raggiunto da", fmt.percent(settings.status.achieved)),
                (
                    "Obiettivo a rischio / in ritardo oltre",
                    f"{fmt.number(settings.status.at_risk_gap)} / "
                    f"{fmt.number(settings.status.late_gap)} punti di scarto",
                ),
            ],
            caption="Regole di misurazione",
        )
    )
    schemes = list(EvaluationScheme.objects.filter(cycle=cycle).order_by("order", "id"))
    individual = document.section("La valutazione individuale")
    if not schemes:
        individual.add(Paragraph("Nessun modello di scheda registrato per il ciclo."))
    components = {}
    for component in SchemeComponent.objects.filter(scheme__in=schemes).order_by("order", "id"):
        components.setdefault(component.scheme_id, []).append(component)
    bands = {}
    for band in ScoreBand.objects.filter(scheme__in=schemes):
        bands.setdefault(band.scheme_id, []).append(band)
    for scheme in schemes:
        part = individual.section(scheme.name)
        part.add(
            Facts(
                [
                    ("Valutatore", scheme.get_evaluator_kind_display()),
                    ("Punteggio massimo", fmt.number(scheme.max_points)),
                    ("Giorni per contestare", str(scheme.contest_days)),
                    ("Servizio minimo nell'anno", f"{scheme.minimum_service_days} giorni"),
                ]
            ),
            Table(
                f"{scheme.name}: componenti",
                [Column("Componente", width=4), Column("Peso", ColumnKind.PERCENT)],
                [[c.label, c.weight] for c in components.get(scheme.pk, [])],
                sheet="Componenti delle schede",
            ),
            Table(
                f"{scheme.name}: fasce di punteggio",
                [
                    Column("Da punti", ColumnKind.NUMBER),
                    Column("A punti", ColumnKind.NUMBER),
                    Column("Premio", ColumnKind.PERCENT),
                ],
                [[b.min_points, b.max_points, b.premium_percent] for b in bands.get(scheme.pk, [])],
                sheet="Fasce di punteggio",
            ),
        )
    return document
