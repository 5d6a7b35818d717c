"""From indicators to objectives, units, persons and the ente.

`score_cycle` takes flat records (ids and parent ids, as one query per table returns them) and
scores everything in one pass, without any I/O of its own:

* indicator  → `achievement.score_indicator` under the SMVP rule (or the indicator's own rule);
* objective  → weighted mean of its measurable indicators, or «all targets met» (100 or 0), or the
  progress of its phases, as configured (per ente, or per objective);
* unit       → weighted mean, by plan weights, of the objectives of the unit and of its sub-units
  (an objective shared by several units counts in each of them, once per unit);
* person     → weighted mean of the objectives assigned to them (assignment weight, or the
  objective's plan weight when the assignment has none);
* ente       → the configured composition, e.g. 50 % ente-level indicators + 50 % mean of areas.

Weights: items without a weight are left out when others have one (the seed plans leave some
objectives unweighted on purpose); when no item has a weight, all count equally. Missing data
is excluded and the others re-weighted, or counted as zero, by the ente's policy. Each choice is
written in the result's explanation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial
from typing import Any

from engine import tree
from engine.achievement import Achievement, Measurement, Outcome, Target, score_indicator
from engine.config import (
    CompositionSource,
    IndicatorRule,
    MissingPolicy,
    ObjectiveAggregation,
    SmvpSettings,
)
from engine.explanation import Explanation
from engine.numbers import (
    HUNDRED,
    ZERO,
    arithmetic,
    clamp,
    format_number,
    format_percent,
    internal,
    json_key,
    present,
)

ONE = Decimal(1)

# -- the weighted mean, the building block of every level -----------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing to average: its achievement (None = missing) and its weight (None = not set)."""

    key: Hashable
    percent: Decimal | None
    weight: Decimal | None = None
    label: str = ""


@dataclass(frozen=True)
class Contribution:
    key: Hashable
    label: str
    percent: Decimal | None  # as counted (a missing value under the ZERO policy counts as 0)
    weight: Decimal  # as used: equal weights become 1, an unweighted item 0
    counted: bool
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": json_key(self.key),
            "label": self.label,
            "percent": None if self.percent is None else str(self.percent),
            "weight": str(self.weight),
            "counted": self.counted,
            "note": self.note,
        }


@dataclass(frozen=True)
class Score:
    percent: Decimal | None  # internal precision; None when there is nothing to score
    explanation: Explanation
    contributions: tuple[Contribution, ...] = ()

    @property
    def display_percent(self) -> Decimal | None:
        return None if self.percent is None else present(self.percent)

    def to_dict(self) -> dict[str, Any]:
        return {
            "percent": None if self.percent is None else str(self.percent),
            "display_percent": None if self.percent is None else str(self.display_percent),
            "explanation": self.explanation.to_dict(),
            "contributions": [contribution.to_dict() for contribution in self.contributions],
        }


def weighted_mean(
    items: Sequence[Item],
    missing: MissingPolicy,
    *,
    rule: str = "weighted_mean",
    rule_label: str = "Media ponderata",
) -> Score:
    """Σ(weight × achievement) / Σ weight over the items that count, under the missing policy."""
    with arithmetic():
        equal = not any(item.weight for item in items)
        contributions = tuple(_contribution(item, equal, missing) for item in items)
        counted = [c for c in contributions if c.counted]
        total = sum((c.weight for c in counted), ZERO)
        percent = None
        if total > ZERO:
            percent = internal(sum((c.weight * c.percent for c in counted), ZERO) / total)
        text = partial(
            _mean_text, rule_label, counted, total, percent, equal, missing, contributions
        )
        data = {
            "policy": missing,
            "equal_weights": equal,
            "total_weight": total,
            "percent": percent,
        }
        return Score(percent, Explanation(rule, rule_label, text, data), contributions)


def _contribution(item: Item, equal: bool, missing: MissingPolicy) -> Contribution:
    if item.weight is not None and item.weight < ZERO:
        raise ValueError(f"peso negativo per «{item.label or item.key}»")
    weight = ONE if equal else (item.weight or ZERO)
    label = item.label or str(item.key)
    if item.percent is None and missing is MissingPolicy.EXCLUDE:
        return Contribution(item.key, label, None, weight, False, "dato mancante: escluso")
    if weight == ZERO:
        return Contribution(item.key, label, item.percent, weight, False, "senza peso: escluso")
    if item.percent is None:
        return Contribution(item.key, label, ZERO, weight, True, "dato mancante: vale 0")
    return Contribution(item.key, label, item.percent, weight, True)


def _mean_text(
    rule_label: str,
    counted: list[Contribution],
    total: Decimal,
    percent: Decimal | None,
    equal: bool,
    missing: MissingPolicy,
    contributions: tuple[Contribution, ...],
) -> str:
    with arithmetic():
        return _mean_sentences(rule_label, counted, total, percent, equal, missing, contributions)


def _mean_sentences(
    rule_label: str,
    counted: list[Contribution],
    total: Decimal,
    percent: Decimal | None,
    equal: bool,
    missing: MissingPolicy,
    contributions: tuple[Contribution, ...],
) -> str:
    sentences = []
    if percent is None:
        sentences.append(f"{rule_label}: nessun elemento con dati da considerare.")
    elif equal:
        terms = " + ".join(format_number(c.percent, 2) for c in counted)
        sentences.append(
            f"{rule_label} (pesi non indicati: pesi uguali): ({terms}) / {len(counted)} "
            f"= {format_percent(percent)}."
        )
    else:
        terms = " + ".join(
            f"{format_number(c.percent, 2)} × {format_number(c.weight)}" for c in counted
        )
        sentences.append(
            f"{rule_label}: ({terms}) / {format_number(total)} = {format_percent(percent)}."
        )
    left_out = [c for c in contributions if c.note]
    if left_out:
        notes = "; ".join(f"{c.label} ({c.note})" for c in left_out)
        sentences.append(f"Criterio per i dati mancanti: {missing.label}. {notes}.")
    return " ".join(sentences)


def all_targets(items: Sequence[Item], missing: MissingPolicy) -> Score:
    """100 when every target is met (achievement ≥ 100), otherwise 0."""
    label = ObjectiveAggregation.ALL_TARGETS.label
    with arithmetic():
        contributions = tuple(_contribution(item, True, missing) for item in items)
        counted = [c for c in contributions if c.counted]
        if not counted:
            text = f"{label}: nessun indicatore con dati da considerare."
            return Score(None, Explanation("all_targets", label, text, {"policy": missing}))
        unmet = [c for c in counted if c.percent < HUNDRED]
        percent = ZERO if unmet else HUNDRED
        text = partial(
            _all_targets_text, label, unmet, percent, len(counted), contributions, missing
        )
        data = {"policy": missing, "unmet": [json_key(c.key) for c in unmet], "percent": percent}
        return Score(percent, Explanation("all_targets", label, text, data), contributions)


def _all_targets_text(
    label: str,
    unmet: list[Contribution],
    percent: Decimal,
    counted: int,
    contributions: tuple[Contribution, ...],
    missing: MissingPolicy,
) -> str:
    with arithmetic():
        if unmet:
            names = ", ".join(f"{c.label} ({format_percent(c.percent)})" for c in unmet)
            text = f"{label}: non raggiunti {names} → {format_percent(percent)}."
        else:
            text = f"{label}: tutti i {counted} target raggiunti → {format_percent(percent)}."
        left_out = [c for c in contributions if c.note]
        if left_out:
            notes = "; ".join(f"{c.label} ({c.note})" for c in left_out)
            text += f" Criterio per i dati mancanti: {missing.label}. {notes}."
        return text


# -- records in, scores out -----------------------------------------------------------------------


@dataclass(frozen=True)
class IndicatorRecord:
    id: Hashable
    objective_id: Hashable | None  # None: an ente-level indicator
    target: Target
    measurement: Measurement = field(default_factory=Measurement)
    weight: Decimal | None = None
    baseline: Decimal | None = None
    rule: IndicatorRule | None = None  # overrides the ente's default rule
    label: str = ""


@dataclass(frozen=True)
class PhaseRecord:
    id: Hashable
    objective_id: Hashable
    progress: Decimal | None  # 0..100; None when not reported
    weight: Decimal | None = None
    label: str = ""


@dataclass(frozen=True)
class ObjectiveRecord:
    id: Hashable
    unit_id: Hashable | None  # the leading unit
    weight: Decimal | None = None  # plan weight
    aggregation: ObjectiveAggregation | None = None  # overrides the ente's setting
    label: str = ""
    # Every unit the objective belongs to (an objective shared by several units counts in
    # each of them, once); empty means just `unit_id`.
    unit_ids: tuple[Hashable, ...] = ()

    @property
    def all_unit_ids(self) -> tuple[Hashable, ...]:
        listed = tuple(dict.fromkeys(self.unit_ids))
        if self.unit_id is not None and self.unit_id not in listed:
            listed = (self.unit_id, *listed)
        return listed


@dataclass(frozen=True)
class UnitRecord:
    id: Hashable
    parent_id: Hashable | None = None
    weight: Decimal | None = None  # weight among the top-level units in the ente composition
    label: str = ""


@dataclass(frozen=True)
class AssignmentRecord:
    person_id: Hashable
    objective_id: Hashable
    weight: Decimal | None = None  # the person's own weight for it, when the plan has one
    label: str = ""  # the person, for explanations


@dataclass(frozen=True)
class CycleRecords:
    indicators: Sequence[IndicatorRecord] = ()
    objectives: Sequence[ObjectiveRecord] = ()
    phases: Sequence[PhaseRecord] = ()
    units: Sequence[UnitRecord] = ()
    assignments: Sequence[AssignmentRecord] = ()


@dataclass(frozen=True)
class CycleScores:
    indicators: Mapping[Hashable, Achievement]
    objectives: Mapping[Hashable, Score]
    units: Mapping[Hashable, Score]
    persons: Mapping[Hashable, Score]
    ente: Score

    def to_dict(self) -> dict[str, Any]:
        def table(scores: Mapping[Hashable, Any]) -> dict[str, Any]:
            return {str(json_key(key)): score.to_dict() for key, score in scores.items()}

        return {
            "indicators": table(self.indicators),
            "objectives": table(self.objectives),
            "units": table(self.units),
            "persons": table(self.persons),
            "ente": self.ente.to_dict(),
        }


def score_cycle(records: CycleRecords, settings: SmvpSettings | None = None) -> CycleScores:
    settings = settings or SmvpSettings()
    _check_references(records)
    indicators = {
        record.id: score_indicator(
            record.target,
            record.measurement,
            record.rule or settings.indicator,
            baseline=record.baseline,
            cap=settings.cap,
        )
        for record in records.indicators
    }
    objectives = _score_objectives(records, indicators, settings)
    tree = _UnitTree(records.units, records.objectives)
    units = _score_units(tree, objectives, settings.missing)
    persons = _score_persons(records, objectives, settings.missing)
    parts = _ente_parts(records, indicators, objectives, units, tree, settings)
    ente = _score_ente(parts, settings)
    return CycleScores(indicators, objectives, units, persons, ente)


def _score_objectives(
    records: CycleRecords, indicators: Mapping[Hashable, Achievement], settings: SmvpSettings
) -> dict[Hashable, Score]:
    indicator_items = _group(
        (record.objective_id, _indicator_item(record, indicators[record.id]))
        for record in records.indicators
        if record.objective_id is not None
    )
    phase_items = _group((phase.objective_id, _phase_item(phase)) for phase in records.phases)
    return {
        objective.id: score_objective(
            indicator_items.get(objective.id, []),
            phase_items.get(objective.id, []),
            objective.aggregation or settings.objective_aggregation,
            settings.missing,
        )
        for objective in records.objectives
    }


def score_objective(
    indicators: Sequence[Item | None],
    phases: Sequence[Item],
    aggregation: ObjectiveAggregation,
    missing: MissingPolicy,
) -> Score:
    """An objective from its indicators (None = not measurable) and phases, as configured.

    An objective whose indicators are all descriptive (or that has none) falls back to its
    phases when it has any: the plan measures it by its progress.
    """
    measurable = [item for item in indicators if item is not None]
    skipped = len(indicators) - len(measurable)
    if aggregation is ObjectiveAggregation.PHASES or (not measurable and phases):
        score = weighted_mean(
            phases,
            missing,
            rule="phases",
            rule_label=ObjectiveAggregation.PHASES.label,
        )
        if aggregation is not ObjectiveAggregation.PHASES:
            score = _with_note(
                score, "Nessun indicatore misurabile: si usa l'avanzamento delle fasi."
            )
        return score
    if aggregation is ObjectiveAggregation.ALL_TARGETS:
        score = all_targets(measurable, missing)
    else:
        score = weighted_mean(
            measurable,
            missing,
            rule="weighted_mean",
            rule_label=ObjectiveAggregation.WEIGHTED_MEAN.label,
        )
    if skipped:
        score = _with_note(score, f"{skipped} indicatori descrittivi non misurabili esclusi.")
    return score


def _indicator_item(record: IndicatorRecord, achievement: Achievement) -> Item | None:
    if achievement.outcome is Outcome.NOT_MEASURABLE:
        return None
    return Item(record.id, achievement.percent, record.weight, record.label)


def _phase_item(phase: PhaseRecord) -> Item:
    progress = None if phase.progress is None else clamp(phase.progress, ZERO, HUNDRED)
    return Item(phase.id, progress, phase.weight, phase.label)


def _score_units(
    tree: _UnitTree, objectives: Mapping[Hashable, Score], missing: MissingPolicy
) -> dict[Hashable, Score]:
    return {
        unit_id: weighted_mean(
            [
                _objective_item(objective, objectives)
                for objective in tree.objectives_below(unit_id)
            ],
            missing,
            rule="unit",
            rule_label="Media degli obiettivi",
        )
        for unit_id in tree.unit_ids
    }


def _objective_item(
    objective: ObjectiveRecord, objectives: Mapping[Hashable, Score], weight: Decimal | None = None
) -> Item:
    weight = objective.weight if weight is None else weight
    return Item(objective.id, objectives[objective.id].percent, weight, objective.label)


def _score_persons(
    records: CycleRecords, objectives: Mapping[Hashable, Score], missing: MissingPolicy
) -> dict[Hashable, Score]:
    by_id = {objective.id: objective for objective in records.objectives}
    items = _group(
        (
            assignment.person_id,
            _objective_item(by_id[assignment.objective_id], objectives, assignment.weight),
        )
        for assignment in records.assignments
    )
    return {
        person_id: weighted_mean(
            person_items, missing, rule="person", rule_label="Media degli obiettivi assegnati"
        )
        for person_id, person_items in items.items()
    }


def _score_ente(parts: Mapping[CompositionSource, Score], settings: SmvpSettings) -> Score:
    """The configured composition of the ente's parts; each part's own working is appended."""
    items = [
        Item(
            component.source.value,
            parts[component.source].percent,
            component.weight,
            component.source.label,
        )
        for component in settings.ente_composition
    ]
    score = weighted_mean(items, settings.missing, rule="ente", rule_label="Composizione dell'ente")
    data = dict(score.explanation.data)
    data["parts"] = {source.value: part.to_dict() for source, part in parts.items()}
    explanation = Explanation(
        score.explanation.rule,
        score.explanation.rule_label,
        partial(_ente_text, score.explanation, tuple(parts.values())),
        data,
    )
    return Score(score.percent, explanation, score.contributions)


def _ente_text(own: Explanation, parts: tuple[Score, ...]) -> str:
    """The composition's working, then each part's own."""
    details = " ".join(f"[{p.explanation.rule_label}] {p.explanation.text}" for p in parts)
    return f"{own.text} {details}"


def _ente_parts(
    records: CycleRecords,
    indicators: Mapping[Hashable, Achievement],
    objectives: Mapping[Hashable, Score],
    units: Mapping[Hashable, Score],
    tree: _UnitTree,
    settings: SmvpSettings,
) -> dict[CompositionSource, Score]:
    def ente_indicators() -> list[Item]:
        items = (
            _indicator_item(record, indicators[record.id])
            for record in records.indicators
            if record.objective_id is None
        )
        return [item for item in items if item is not None]

    def top_units() -> list[Item]:
        return [
            Item(unit.id, units[unit.id].percent, unit.weight, unit.label) for unit in tree.roots
        ]

    def all_objectives() -> list[Item]:
        return [_objective_item(objective, objectives) for objective in records.objectives]

    collect = {
        CompositionSource.ENTE_INDICATORS: ente_indicators,
        CompositionSource.UNITS: top_units,
        CompositionSource.OBJECTIVES: all_objectives,
    }
    return {
        component.source: weighted_mean(
            collect[component.source](),
            settings.missing,
            rule=component.source.value,
            rule_label=component.source.label,
        )
        for component in settings.ente_composition
    }


# -- helpers --------------------------------------------------------------------------------------


def _check_references(records: CycleRecords) -> None:
    """Rows that point to an objective missing from the records are a loading bug: say so."""
    known = {objective.id for objective in records.objectives}
    references = [
        *(
            ("indicatore", r.id, r.objective_id)
            for r in records.indicators
            if r.objective_id is not None
        ),
        *(("fase", phase.id, phase.objective_id) for phase in records.phases),
        *(("assegnazione", a.person_id, a.objective_id) for a in records.assignments),
    ]
    for kind, row_id, objective_id in references:
        if objective_id not in known:
            raise ValueError(f"{kind} «{row_id}»: obiettivo «{objective_id}» assente dai dati")


class _UnitTree:
    """Units with their sub-units; a unit named only by an objective becomes a top-level unit."""

    def __init__(self, units: Sequence[UnitRecord], objectives: Sequence[ObjectiveRecord]):
        self.records = {unit.id: unit for unit in units}
        for objective in objectives:
            for unit_id in objective.all_unit_ids:
                if unit_id not in self.records:
                    self.records[unit_id] = UnitRecord(unit_id)
        self.parent_of = {unit.id: unit.parent_id for unit in self.records.values()}
        self.children = tree.children_of(self.parent_of)
        self.own_objectives = _group(
            (unit_id, objective) for objective in objectives for unit_id in objective.all_unit_ids
        )
        self._check_acyclic()

    @property
    def unit_ids(self) -> list[Hashable]:
        return list(self.records)

    @property
    def roots(self) -> list[UnitRecord]:
        return [
            unit
            for unit in self.records.values()
            if unit.parent_id is None or unit.parent_id not in self.records
        ]

    def objectives_below(self, unit_id: Hashable) -> list[ObjectiveRecord]:
        """The objectives of the unit and of its sub-units, each once even when shared."""
        collected: dict[Hashable, ObjectiveRecord] = {}
        for current in tree.below_in(self.children, [unit_id]):
            for objective in self.own_objectives.get(current, []):
                collected.setdefault(objective.id, objective)
        return list(collected.values())

    def _check_acyclic(self) -> None:
        looping = tree.loop_in(self.parent_of)
        if looping is not None:
            raise ValueError(f"ciclo nella gerarchia delle strutture (unità «{looping}»)")


def _group(pairs: Iterable[tuple[Hashable, Any]]) -> dict[Hashable, list[Any]]:
    grouped: dict[Hashable, list[Any]] = defaultdict(list)
    for key, value in pairs:
        grouped[key].append(value)
    return dict(grouped)


def _with_note(score: Score, note: str) -> Score:
    return Score(score.percent, score.explanation.followed_by(note), score.contributions)
