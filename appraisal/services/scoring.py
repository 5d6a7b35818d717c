"""The scheda: scoring its items and the self-evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from appraisal import access as rules
from appraisal.models import (
    Behaviour,
    BehaviourConversion,
    ComponentKind,
    EvaluationScheme,
    Scheda,
    SchedaItem,
    SchedaState,
    SchemeComponent,
    ScoreBand,
)
from appraisal.services._common import (
    HUNDRED,
    PERFORMANCE_KINDS,
    ZERO,
    _access,
    _sync,
    state_label,
)
from appraisal.services.generation import (
    PerformanceScores,
    _year_bounds,
    performance_scores,
    population,
    presence_of,
)
from appraisal.services.schemes import (
    _sb,
    _scheme_rows,
    classify,
    engine_scheme,
    scheme_validate,
)
from core.audit import audit, diff, state_of
from core.exceptions import AccessDenied, ServiceError
from core.parsing import (
    clean_text,
    parse_decimal,
    required_text,
)
from engine import appraisal as ea
from engine.config import ConfigError
from engine.numbers import present
from organization.models import (
    Person,
)
from planning.formatting import decimal_it, number_it
from planning.models import OperationalObjective

# ---------------------------------------------------------------------------------------------
# The scheda: scoring
# ---------------------------------------------------------------------------------------------


def _lock(scheda: Scheda) -> Scheda:
    return Scheda.objects.select_for_update().get(pk=scheda.pk)


@contextmanager
def _locked(scheda: Scheda, expected_version: int | None = None) -> Iterator[Scheda]:
    """The frame of every write on a scheda: in a transaction, the row re-read and locked (and
    refused if it is not the version the writer saw); once the block succeeds the caller's
    instance takes the saved values."""
    with transaction.atomic():
        locked = _lock(scheda)
        _check_version(locked, expected_version)
        yield locked
    _sync(scheda, locked)


def _check_version(scheda: Scheda, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != scheda.version:
        raise ServiceError(
            f"La scheda di {scheda.person} è stata modificata da qualcun altro nel frattempo "
            f"(versione {scheda.version}, la tua era la {expected_version}): ricarica la "
            "pagina e ripeti l'operazione.",
            code="conflict",
        )


def _actor_name(user, aa: rules.AppraisalAccess | None) -> str:
    if aa is not None and aa.person_ids:
        person = Person.objects.filter(pk__in=aa.person_ids).order_by("pk").first()
        if person is not None:
            return str(person)
    return f"L'utente {user}"


def _require_evaluator(user, scheda: Scheda) -> None:
    aa = _access(user, scheda.cycle.ente)
    if aa is None or rules.can_evaluate(aa, scheda):
        return
    raise AccessDenied(
        f"{_actor_name(user, aa)} non è nella catena di valutazione di {scheda.person}: "
        f"valuta {_evaluator_label(scheda)}."
    )


def _evaluator_label(scheda: Scheda) -> str:
    if scheda.evaluator_id is None:
        return "il Nucleo di Valutazione"
    return str(scheda.evaluator)


def _require_evaluated(user, scheda: Scheda, what: str) -> None:
    aa = _access(user, scheda.cycle.ente)
    if aa is None or rules.is_evaluated(aa, scheda):
        return
    raise AccessDenied(f"Solo la persona valutata ({scheda.person}) può {what} la propria scheda.")


def _require_supervisor(user, scheda: Scheda, what: str) -> None:
    aa = _access(user, scheda.cycle.ente)
    if aa is None or rules.can_supervise(aa, scheda):
        return
    raise AccessDenied(
        f"{what}: operazione riservata al Nucleo di Valutazione e agli amministratori."
    )


def _illegal(scheda: Scheda, requested: str) -> ServiceError:
    return ServiceError(
        f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: non può "
        f"passare a «{state_label(requested)}».",
        field="state",
        code="state",
    )


def _resolve_component(raw: Any, components: list[SchemeComponent]) -> SchemeComponent:
    for component in components:
        if isinstance(raw, SchemeComponent) and raw.pk == component.pk:
            return component
        if not isinstance(raw, SchemeComponent) and str(raw) in {str(component.pk), component.key}:
            return component
    raise ServiceError(f"Il componente «{raw}» non fa parte del modello.", field="items")


def _score_value(raw: Any, label: str) -> Decimal | None:
    return parse_decimal(raw, label=f"Valutazione di «{label}»", field="items", places=2)


@dataclass
class _ItemPlan:
    component: SchemeComponent
    behaviour: Behaviour | None
    objective: OperationalObjective | None
    raw: Decimal | None
    note: str
    weight: Decimal = Decimal(1)  # behaviour weight within its component
    converted: Decimal = ZERO  # 0..100 after the scale conversion


def _plan_items(
    scheda: Scheda,
    scheme: EvaluationScheme,
    components: list[SchemeComponent],
    items: list[dict],
    board: PerformanceScores | None,
) -> list[_ItemPlan]:
    """The items typed, each checked against the scheme, then those the scheme needs and the
    form left out (performance components prefilled from the measurement)."""
    if not isinstance(items, list | tuple):
        raise ServiceError("Le voci della scheda non sono valide.", field="items")
    objectives = _objectives_named(scheda, items)
    plans: list[_ItemPlan] = []
    seen: set[tuple[int, int | None, int | None]] = set()
    for row in items:
        if not isinstance(row, dict):
            raise ServiceError("Le voci della scheda non sono valide.", field="items")
        component = _resolve_component(row.get("component"), components)
        note = clean_text(row.get("note"))
        if component.kind == ComponentKind.BEHAVIOURS:
            plan = _behaviour_item(scheme, component, row, note)
        else:
            plan = _percent_item(scheda, component, row, note, objectives, board)
        _refuse_repeated(plan, seen)
        plans.append(plan)
    return plans + _missing_items(scheda, components, plans, board)


def _objectives_named(scheda: Scheda, items: list[dict]) -> dict[int, OperationalObjective]:
    """The cycle's objectives the items name (one query)."""
    objective_ids = [i.get("objective") for i in items if isinstance(i, dict)]
    return {
        o.pk: o
        for o in OperationalObjective.objects.filter(
            cycle=scheda.cycle,
            pk__in=[getattr(o, "pk", o) for o in objective_ids if o not in (None, "")],
        )
    }


def _behaviour_item(
    scheme: EvaluationScheme, component: SchemeComponent, row: dict, note: str
) -> _ItemPlan:
    """A behaviour of the component, with its vote on the scheme's scale."""
    low, high = Decimal(scheme.behaviour_scale_min), Decimal(scheme.behaviour_scale_max)
    raw_b = row.get("behaviour")
    links = {sb.behaviour.pk: sb for sb in _sb(component)}
    link = next(
        (
            sb
            for pk, sb in links.items()
            if str(getattr(raw_b, "pk", raw_b)) in {str(pk), sb.behaviour.key}
        ),
        None,
    )
    if link is None:
        raise ServiceError(
            f"«{component.label}»: il comportamento «{raw_b}» non fa parte del modello.",
            field="items",
        )
    behaviour = link.behaviour
    weight = Decimal(link.weight) if link.weight is not None else Decimal(1)
    raw = _score_value(row.get("raw_score"), behaviour.name)
    if raw is None:
        raise ServiceError(
            f"Manca il voto di «{behaviour.name}» ({component.label}).", field="items"
        )
    if not low <= raw <= high:
        raise ServiceError(
            f"Il voto {number_it(raw)} di «{behaviour.name}» è fuori dalla scala "
            f"{number_it(low)}–{number_it(high)}.",
            field="items",
        )
    return _ItemPlan(component, behaviour, None, raw, note, weight)


def _percent_item(
    scheda: Scheda,
    component: SchemeComponent,
    row: dict,
    note: str,
    objectives: dict[int, OperationalObjective],
    board: PerformanceScores | None,
) -> _ItemPlan:
    """A component scored in percent (optionally for one objective), prefilled from the
    measurement when no score is typed."""
    objective = None
    raw_o = row.get("objective")
    if raw_o not in (None, ""):
        objective = objectives.get(int(getattr(raw_o, "pk", raw_o)))
        if objective is None:
            raise ServiceError(
                f"«{component.label}»: l'obiettivo «{raw_o}» non è del piano {scheda.cycle.year}.",
                field="items",
            )
    label = objective.title if objective else component.label
    raw = _score_value(row.get("raw_score"), label)
    if raw is None:
        raw = _prefill(scheda, component, objective, board)
    if raw is None:
        raise ServiceError(
            f"Manca la valutazione di «{label}»: la misurazione del ciclo non la "
            "fornisce, indicala in percentuale.",
            field="items",
        )
    if not ZERO <= raw <= HUNDRED:
        raise ServiceError(
            f"La valutazione di «{label}» deve essere una percentuale tra 0 e 100 "
            f"(indicata {decimal_it(raw)}).",
            field="items",
        )
    return _ItemPlan(component, None, objective, raw, note)


def _refuse_repeated(plan: _ItemPlan, seen: set[tuple[int, int | None, int | None]]) -> None:
    ident = (
        plan.component.pk,
        plan.behaviour.pk if plan.behaviour else None,
        plan.objective.pk if plan.objective else None,
    )
    if ident in seen:
        raise ServiceError(
            f"«{plan.component.label}»: la stessa voce compare più volte.", field="items"
        )
    seen.add(ident)


def _missing_items(
    scheda: Scheda,
    components: list[SchemeComponent],
    plans: list[_ItemPlan],
    board: PerformanceScores | None,
) -> list[_ItemPlan]:
    """Components not given: performance components are prefilled, the rest is missing."""
    added: list[_ItemPlan] = []
    for component in components:
        given = [p for p in plans if p.component.pk == component.pk]
        if component.kind == ComponentKind.BEHAVIOURS:
            have = {p.behaviour.pk for p in given if p.behaviour is not None}
            for sb in _sb(component):
                if sb.behaviour.pk not in have:
                    raise ServiceError(
                        f"Manca il voto di «{sb.behaviour.name}» ({component.label}).",
                        field="items",
                    )
        elif not given:
            raw = _prefill(scheda, component, None, board)
            if raw is None:
                raise ServiceError(
                    f"Manca la valutazione di «{component.label}»: la misurazione del ciclo "
                    "non la fornisce, indicala in percentuale.",
                    field="items",
                )
            added.append(_ItemPlan(component, None, None, raw, ""))
    return added


def _prefill(
    scheda: Scheda,
    component: SchemeComponent,
    objective: OperationalObjective | None,
    board: PerformanceScores | None,
) -> Decimal | None:
    if board is None or component.kind not in PERFORMANCE_KINDS:
        return None
    if objective is not None:
        value = board.objectives.get(objective.pk)
    elif component.kind == ComponentKind.UNIT_PERFORMANCE:
        value = board.units.get(scheda.unit_id) if scheda.unit_id else None
    elif component.kind == ComponentKind.ENTE_PERFORMANCE:
        value = board.ente
    else:
        value = None
    return None if value is None else present(Decimal(value))


def _convert(scheme: EvaluationScheme, rating: Decimal) -> Decimal:
    low, high = Decimal(scheme.behaviour_scale_min), Decimal(scheme.behaviour_scale_max)
    if scheme.behaviour_conversion == BehaviourConversion.FROM_MINIMUM:
        return (rating - low) * HUNDRED / (high - low)
    return rating * HUNDRED / high


def _presence_for(scheda: Scheda) -> ea.Presence:
    entry = population(scheda.cycle, [scheda.person_id]).get(scheda.person_id)
    if entry is None or not entry.service:
        first, last = _year_bounds(scheda.cycle.year)
        return ea.Presence((last - first).days + 1)
    return presence_of(entry)


def score_items(
    scheda: Scheda,
    scheme: EvaluationScheme,
    components: list[SchemeComponent],
    plans: list[_ItemPlan],
    presence: ea.Presence | None,
) -> tuple[ea.AppraisalResult, dict[int, Decimal]]:
    """The engine's result and the points of each planned item (by position)."""
    values: dict[str, Decimal] = {}
    ratings: dict[str, Decimal] = {}
    by_component: dict[int, list[int]] = {}
    for index, plan in enumerate(plans):
        by_component.setdefault(plan.component.pk, []).append(index)
    for component in components:
        indexes = by_component.get(component.pk, [])
        if component.kind == ComponentKind.BEHAVIOURS:
            for i in indexes:
                ratings[plans[i].behaviour.key] = plans[i].raw
                plans[i].converted = _convert(scheme, plans[i].raw)
        else:
            # Several objectives in one component: their simple mean (the SMVP's default).
            raws = [plans[i].raw for i in indexes]
            values[component.key] = sum(raws, ZERO) / len(raws)
            for i in indexes:
                plans[i].converted = plans[i].raw
    needs_presence = any(c.presence_sensitive for c in components)
    engine_input = ea.Scheda(
        person_id=scheda.person_id,
        values=values,
        ratings=ratings,
        presence=presence if needs_presence else None,
        label=str(scheda.person),
    )
    try:
        result = ea.score_scheda(engine_scheme(scheme, components), engine_input)
    except (ValueError, ConfigError) as exc:
        raise ServiceError(f"Scheda di {scheda.person}: {exc}.", field="items") from exc
    points: dict[int, Decimal] = {}
    by_code = {part.code: part for part in result.components}
    for component in components:
        indexes = by_component.get(component.pk, [])
        part_points = by_code[component.key].points
        shares = [plans[i].weight * plans[i].converted for i in indexes]
        total = sum(shares, ZERO)
        for i, share in zip(indexes, shares, strict=True):
            value = part_points * share / total if total else ZERO
            points[i] = present(value) if len(indexes) > 1 else present(part_points)
    return result, points


@dataclass
class SchedaScoring:
    """What scoring a scheda with some items gives, before anything is saved."""

    plans: list[_ItemPlan]
    points: dict[int, Decimal]  # the points of each planned item (by position)
    total: Decimal
    band: ScoreBand
    premium_percent: Decimal
    is_negative: bool


def _require_scorable(user, scheda: Scheda) -> None:
    """A scheda is scored in draft, or when proposed by the evaluator who proposed it; only if
    the person is eligible and the scheme is complete."""
    if scheda.state == SchedaState.PROPOSED:
        proposer = (
            scheda.transitions.filter(to_state=SchedaState.PROPOSED)
            .order_by("-at", "-id")
            .values_list("by_id", flat=True)
            .first()
        )
        if user is not None and proposer is not None and proposer != user.pk:
            raise ServiceError(
                f"La scheda di {scheda.person} è stata proposta da un altro valutatore: "
                "può modificarla solo chi l'ha proposta.",
                field="state",
                code="state",
            )
    elif scheda.state != SchedaState.DRAFT:
        raise ServiceError(
            f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
            "si valuta solo in bozza o, da chi l'ha proposta, quando è proposta.",
            field="state",
            code="state",
        )
    if not scheda.is_eligible:
        raise ServiceError(
            f"La scheda di {scheda.person} non è ammessa alla valutazione: "
            f"{scheda.eligibility_note}",
            code="ineligible",
        )
    problems = scheme_validate(scheda.scheme)
    if problems:
        raise ServiceError(f"Il modello «{scheda.scheme.name}» va corretto: " + " ".join(problems))


def _needs_board(components: list[SchemeComponent], items: list[dict]) -> bool:
    """Whether a performance component is left without a typed score (then it is prefilled
    from the measurement)."""
    return any(
        c.kind in PERFORMANCE_KINDS
        and not any(
            isinstance(i, dict)
            and str(getattr(i.get("component"), "pk", i.get("component"))) in {str(c.pk), c.key}
            and i.get("raw_score") not in (None, "")
            for i in items or []
        )
        for c in components
    )


def _compute(user, scheda: Scheda, items: list[dict]) -> SchedaScoring:
    _require_scorable(user, scheda)
    scheme = scheda.scheme
    components, bands = _scheme_rows(scheme)
    board = performance_scores(scheda.cycle) if _needs_board(components, items) else None
    plans = _plan_items(scheda, scheme, components, items, board)
    presence = _presence_for(scheda) if any(c.presence_sensitive for c in components) else None
    result, points = score_items(scheda, scheme, components, plans, presence)
    total = present(result.points)
    band, premium, negative = classify(scheme, bands, total)
    return SchedaScoring(plans, points, total, band, premium, negative)


def scheda_compute(*, user, scheda: Scheda, items: list[dict]) -> SchedaScoring:
    """What `scheda_score` would save for these items (same checks, same arithmetic), with
    nothing written: the preview of the score page."""
    _require_evaluator(user, scheda)
    return _compute(user, scheda, items)


def scheda_score(
    *, user, scheda: Scheda, items: list[dict], expected_version: int | None = None
) -> Scheda:
    """Score a scheda: behaviours on the scheme's scale, other components in percent
    (performance components prefilled from the measurement when omitted)."""
    _require_evaluator(user, scheda)
    with _locked(scheda, expected_version) as scheda:
        scoring = _compute(user, scheda, items)
        before = state_of(scheda)
        before_items = _items_state(scheda)
        scheda.items.all().delete()
        SchedaItem.objects.bulk_create(
            SchedaItem(
                scheda=scheda,
                component=plan.component,
                behaviour=plan.behaviour,
                objective=plan.objective,
                raw_score=plan.raw,
                points=scoring.points[index],
                note=plan.note,
            )
            for index, plan in enumerate(scoring.plans)
        )
        scheda.total_points = scoring.total
        scheda.band = scoring.band
        scheda.premium_percent = scoring.premium_percent
        scheda.is_negative = scoring.is_negative
        scheda.version += 1
        scheda.save()
        changes = diff(before, state_of(scheda))
        changes["items"] = [before_items, _items_state(scheda)]
        audit(user, "scheda.score", scheda, scheda.cycle.ente, changes)
    return scheda


def _items_state(scheda: Scheda) -> list[list[Any]]:
    return [
        [i.component_id, i.behaviour_id, i.objective_id, str(i.raw_score), str(i.points)]
        for i in SchedaItem.objects.filter(scheda=scheda).order_by("id")
    ]


def scheda_self_evaluate(*, user, scheda: Scheda, text: str) -> Scheda:
    """The evaluated person's self-evaluation, when the scheme provides it."""
    _require_evaluated(user, scheda, "scrivere l'autovalutazione nel")
    with _locked(scheda) as scheda:
        if not scheda.scheme.self_evaluation:
            raise ServiceError(
                f"Il modello «{scheda.scheme.name}» non prevede l'autovalutazione.",
                field="self_evaluation_text",
            )
        if scheda.state not in {SchedaState.DRAFT, SchedaState.PROPOSED}:
            raise ServiceError(
                f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
                "l'autovalutazione si scrive prima del colloquio.",
                field="self_evaluation_text",
            )
        before = state_of(scheda)
        scheda.self_evaluation_text = required_text(
            text, "L'autovalutazione non può essere vuota.", "self_evaluation_text"
        )
        scheda.version += 1
        scheda.save()
        audit(
            user, "scheda.self_evaluate", scheda, scheda.cycle.ente, diff(before, state_of(scheda))
        )
    return scheda
