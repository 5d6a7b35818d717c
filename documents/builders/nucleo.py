"""The Nucleo's documents on the Relazione: the one-page Documento di validazione and the
Documento di accompagnamento (criteria, methods, evidence, conclusions), pre-filled with the
checks Performa can compute (CiVIT delibera 6/2012, DFP guidelines 3/2018).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from appraisal import selectors as appraisal
from appraisal.models import Scheda, SchedaState
from documents import formatting as fmt
from documents.builders import relazione
from documents.builders.common import new_document
from documents.builders.results import Results, deviations, missing_items
from documents.model import BulletList, Column, ColumnKind, Document, Facts, Paragraph, Table
from measurement import selectors as measurement
from measurement.models import Evidence, Measurement, MeasurementCorrection
from planning.models import Cycle, Indicator
from planning.selectors import weight_totals

OK = "conforme"
CHECK = "da verificare"


@dataclass
class Check:
    criterion: str
    method: str
    outcome: str
    evidence: str
    details: list[str] = field(default_factory=list)


def checks(cycle: Cycle) -> list[Check]:
    """Every automatic check on the Relazione of `cycle`, in the order of the criteria."""
    board = relazione.scores(cycle)
    values = measurement.values_as_of(cycle, dt.date(cycle.year, 12, 31))["measurements"]
    results = Results(board.to_dict(), values)
    found: list[Check] = []

    unreported = [o["label"] for o in results.objectives if o.get("display_percent") is None]
    found.append(
        Check(
            "Coerenza fra i contenuti della Relazione e del Piano",
            "Ogni obiettivo del piano approvato (comprese le variazioni registrate) deve avere "
            "un risultato nella Relazione.",
            OK if not unreported else CHECK,
            f"{len(results.objectives) - len(unreported)} obiettivi su "
            f"{len(results.objectives)} con un risultato",
            unreported,
        )
    )
    rows, unmotivated = deviations(results)
    found.append(
        Check(
            "Evidenziazione degli scostamenti con la loro motivazione",
            "Per ogni indicatore misurato sotto il target si cerca la motivazione dello "
            "scostamento registrata con il valore.",
            OK if not unmotivated else CHECK,
            f"{len(rows)} scostamenti, {len(unmotivated)} senza motivazione",
            unmotivated,
        )
    )
    missing = missing_items(results)
    found.append(
        Check(
            "Presenza dei risultati di tutti gli indicatori",
            "Indicatori misurabili senza un valore a consuntivo.",
            OK if not missing else CHECK,
            f"{len(missing)} indicatori senza misurazione",
            missing,
        )
    )
    wrong = [t.problem for t in weight_totals(cycle).values() if not t.ok]
    found.append(
        Check(
            "Corretto uso del metodo di calcolo: pesi",
            "Ogni gruppo di pesatura deve raggiungere il totale atteso dal piano.",
            OK if not wrong else CHECK,
            f"{len(wrong)} gruppi di pesatura non corretti",
            wrong,
        )
    )
    no_source = list(
        Indicator.objects.filter(cycle=cycle, objective__isnull=False, data_source="")
        .order_by("order", "id")
        .values_list("name", flat=True)
    )
    found.append(
        Check(
            "Attendibilità delle fonti dei dati",
            "Indicatori di obiettivo senza una fonte dei dati indicata nel piano.",
            OK if not no_source else CHECK,
            f"{len(no_source)} indicatori senza fonte",
            [name[:160] for name in no_source],
        )
    )
    measured = Measurement.objects.filter(cycle=cycle, indicator__isnull=False)
    with_evidence = set(
        Evidence.objects.filter(measurement__cycle=cycle).values_list("measurement_id", flat=True)
    )
    total = measured.count()
    found.append(
        Check(
            "Evidenze a supporto dei valori",
            "Valori degli indicatori con un documento di evidenza allegato.",
            OK if total and len(with_evidence) == total else CHECK,
            f"{len(with_evidence)} valori con evidenza su {total}",
        )
    )
    corrections = list(
        MeasurementCorrection.objects.filter(measurement__cycle=cycle).select_related(
            "measurement__indicator", "window"
        )
    )
    found.append(
        Check(
            "Dati registrati dopo la chiusura delle finestre",
            "Valori di finestre chiuse modificati con una correzione motivata.",
            OK if not corrections else CHECK,
            f"{len(corrections)} correzioni",
            [
                f"{c.measurement.indicator or c.measurement.parameter} "
                f"({c.window.label}): {c.reason}"
                for c in corrections
            ],
        )
    )
    schede = list(Scheda.objects.filter(cycle=cycle).values_list("state", flat=True))
    not_final = sum(1 for state in schede if state != SchedaState.FINAL)
    found.append(
        Check(
            "Completezza della valutazione individuale",
            "Schede di valutazione non ancora definitive.",
            OK if schede and not not_final else CHECK,
            f"{len(schede) - not_final} schede definitive su {len(schede)}",
        )
    )
    overview = appraisal.nucleo_overview(cycle)
    identical = [
        f"{row.unit.name}: {row.count} schede con {fmt.number(row.points)} punti"
        for row in overview.identical_units
    ]
    found.append(
        Check(
            "Selettività e differenziazione dei giudizi",
            "Unità in cui tutte le schede hanno lo stesso punteggio; persone in servizio "
            "senza scheda.",
            OK if not identical and not overview.missing else CHECK,
            f"{len(identical)} unità senza differenziazione, {len(overview.missing)} persone "
            "senza scheda",
            identical,
        )
    )
    return found


def _pending_text(pending: list[Check], head: str, empty: str) -> str:
    if not pending:
        return empty
    return head + "; ".join(c.criterion.lower() for c in pending) + "."


def _outcome(cycle: Cycle):
    """(label, date, act, reasons) of the Nucleo's decision, or None while it is pending."""
    validation = getattr(cycle, "report_validation", None)
    if validation is not None:
        return "VALIDA", validation.validated_on, validation.act_label, validation.note
    refusal = cycle.validation_refusals.order_by("-decided_on", "-id").first()
    if refusal is not None:
        return "NON VALIDA", refusal.decided_on, refusal.act_label, refusal.reasons
    return None


def build_validation(cycle: Cycle) -> Document:
    relazione.require_closed_year(cycle, "Il documento di validazione della Relazione")
    found = checks(cycle)
    decision = _outcome(cycle)
    document = new_document(
        cycle,
        "validazione",
        "Documento di validazione della Relazione sulla performance",
        subtitle=f"Anno {cycle.year}",
        cover_lines=[relazione.nucleo_text(cycle)],
        keywords=["validazione", "Nucleo di Valutazione", str(cycle.year)],
        filename_stem=f"validazione-relazione-{cycle.year}",
        with_toc=False,
    )
    section = document.section(f"Validazione della Relazione sulla performance {cycle.year}")
    section.add(
        Paragraph(
            f"Il {relazione.nucleo_text(cycle)}, ai sensi dell'art. 14 c.4 lett. c D.Lgs. "
            f"150/2009, ha preso in esame la Relazione sulla performance {cycle.year} di "
            f"{cycle.ente.name} e ha svolto il proprio lavoro di validazione sulla base degli "
            "accertamenti che ha ritenuto opportuno effettuare, tenendo conto dei controlli "
            "riportati nel documento di accompagnamento."
        ),
        BulletList(
            [
                f"Piano della performance {cycle.year}: {cycle.title}",
                f"Relazione sulla performance {cycle.year} generata da Performa",
                "Documento di accompagnamento con le carte di lavoro",
            ]
        ),
    )
    if decision is None:
        section.add(
            Paragraph("Esito: DA REGISTRARE (bozza predisposta per il Nucleo).", emphasis=True)
        )
    else:
        label, day, act, reasons = decision
        section.add(
            Paragraph(f"Il Nucleo di Valutazione {label} la Relazione.", emphasis=True),
            Facts(
                [
                    ("Data", fmt.date(day)),
                    ("Atto", act),
                    ("Sintesi delle motivazioni", reasons or "—"),
                ]
            ),
        )
    pending = [c for c in found if c.outcome != OK]
    section.add(
        Paragraph(
            f"Controlli automatici: {len(found) - len(pending)} conformi su {len(found)}"
            + (
                ": da verificare " + "; ".join(c.criterion.lower() for c in pending) + "."
                if pending
                else "."
            )
        )
    )
    return document


def build_accompaniment(cycle: Cycle) -> Document:
    relazione.require_closed_year(cycle, "Il documento di accompagnamento")
    found = checks(cycle)
    decision = _outcome(cycle)
    document = new_document(
        cycle,
        "accompagnamento",
        "Documento di accompagnamento alla validazione della Relazione",
        subtitle=f"Anno {cycle.year} – carte di lavoro del Nucleo di Valutazione",
        cover_lines=[relazione.nucleo_text(cycle)],
        keywords=["validazione", "carte di lavoro", str(cycle.year)],
        filename_stem=f"accompagnamento-validazione-{cycle.year}",
    )
    document.section("1. Finalità, struttura e contenuti").add(
        Paragraph(
            "Il documento accompagna la validazione della Relazione sulla performance: riporta "
            "i criteri seguiti, i metodi di verifica, le evidenze raccolte e le conclusioni. "
            "La validazione riguarda il processo di misurazione e valutazione attraverso cui i "
            "risultati sono stati rendicontati (Linee guida DFP 3/2018)."
        )
    )
    document.section("2. Criteri per la validazione della Relazione").add(
        BulletList([c.criterion for c in found])
    )
    document.section("3. Metodi per la verifica dei criteri").add(
        Table(
            "Criteri e metodi di verifica",
            [Column("Criterio", width=3), Column("Metodo di verifica", width=5)],
            [[c.criterion, c.method] for c in found],
            sheet="Criteri e metodi",
        )
    )
    evidence = document.section("4. Conclusioni raggiunte ed evidenze a supporto")
    evidence.add(
        Table(
            "Esito dei controlli",
            [
                Column("Criterio", width=3),
                Column("Esito", width=1),
                Column("Evidenze", width=3),
                Column("Elementi da verificare", ColumnKind.INTEGER),
            ],
            [[c.criterion, c.outcome, c.evidence, len(c.details)] for c in found],
            sheet="Esito dei controlli",
        )
    )
    for check in found:
        if check.details:
            part = evidence.section(check.criterion)
            part.add(BulletList(check.details[:500]))
            if len(check.details) > 500:
                part.add(Paragraph(f"… e altri {len(check.details) - 500} elementi."))
    summary = document.section("5. Riepilogo degli esiti e osservazioni conclusive")
    pending = [c for c in found if c.outcome != OK]
    summary.add(
        Paragraph(
            f"{len(found) - len(pending)} controlli conformi su {len(found)}."
            + (
                " Da verificare: " + "; ".join(c.criterion for c in pending) + "."
                if pending
                else ""
            )
        )
    )
    if decision is not None:
        label, day, act, reasons = decision
        summary.add(
            Paragraph(
                f"Esito: il Nucleo {label} la Relazione ({act}, {fmt.date(day)}).", emphasis=True
            )
        )
        if reasons:
            summary.add(Paragraph(reasons))
    else:
        summary.add(Paragraph("Esito della validazione: da registrare."))
    return document
