"""Every write to individual evaluation: behaviours, schemes, bands, schede and their workflow.

Each function takes keyword arguments with the acting `user` first (None for system actions such
as the demo loader), validates, runs in a transaction and writes one audit row. The arithmetic
(points, bands, protected leave) is the engine's (`engine.appraisal`); this module turns rows
into the engine's plain data and back.

The life of a scheda::

    draft → proposed → interview (colloquio) → delivered → acknowledged (presa visione) → final
                                                         ↘ contested → conciliation → final
    delivered → final also when the contest deadline has passed without a contest.

Every change of state writes a `SchedaTransition`; going back is only a recorded reopening
(`scheda_reopen`, by the Nucleo or an admin, with its reason).

Choices made here (the SMVP may refine them; they are documented so the ente can check them):

* Eligibility: the days of service in the year are the calendar days covered by the person's
  employments, clipped to the cycle's year. Absences do not reduce them; protected leave
  (maternità, paternità, congedo parentale, art. 9 c.3 D.Lgs. 150/2009) never reduces anything.
  A person with fewer days than the scheme's `minimum_service_days` is not eligible; part-time
  and staff shared in convenzione are noted in `eligibility_note`.
* Presence-sensitive components are computed on presence over the days of service, with
  protected leave neutralised by the engine (`neutralise_protected_leave`).
* Evaluator chain: people leading a unit and people with a managerial role (segretario,
  direttore, dirigente, EQ, comandante) are evaluated by the Nucleo — by the Segretario when
  their scheme says so and they are not the Segretario. Staff are evaluated by the responsabile
  of their unit, walking up the organisation chart (skipping the person themselves); at the top,
  by the Segretario if the ente has one, otherwise by the Nucleo.
* Weights totalling 100 within ±0,01 (three thirds of 33,33) are accepted; the difference is
  added to the heaviest component when scoring, so that the maximum stays the scheme's maximum.
* A score falls in the band with the greatest lower bound not above it (53,99 is in 37–53).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Model, Q
from django.utils import timezone

from accounts.access import access_for
from appraisal import access as rules
from appraisal.models import (
    Behaviour,
    BehaviourConversion,
    ComponentKind,
    Conciliation,
    EvaluationScheme,
    EvaluatorKind,
    Prevalence,
    Scheda,
    SchedaItem,
    SchedaState,
    SchedaTransition,
    SchemeBehaviour,
    SchemeComponent,
    ScoreBand,
)
from core.audit import audit, diff, state_of
from core.exceptions import AccessDenied, ServiceError
from core.parsing import (
    clean_text,
    ensure_free_key,
    free_key,
    parse_decimal,
    parse_flag,
    parse_integer,
    parse_key,
    required_decimal,
    required_text,
)
from engine import appraisal as ea
from engine import tree
from engine.config import ConfigError
from engine.numbers import format_percent, present
from organization.models import (
    Absence,
    AbsenceKind,
    AssignmentKind,
    CcnlArea,
    Employment,
    Ente,
    LegacyCategory,
    Person,
    Role,
    Unit,
)
from organization.models import Assignment as UnitAssignment
from planning.formatting import date_it, decimal_it, number_it
from planning.models import Cycle, OperationalObjective

HUNDRED = Decimal("100")
ZERO = Decimal("0")
WEIGHT_TOLERANCE = Decimal("0.01")
CENT = Decimal("0.01")

MANAGER_ROLES = frozenset(
    {Role.SEGRETARIO, Role.DIRETTORE, Role.DIRIGENTE, Role.EQ, Role.COMANDANTE}
)
SEGRETARIO_ROLES = frozenset({Role.SEGRETARIO, Role.DIRETTORE})
PROTECTED_LEAVE = frozenset({AbsenceKind.MATERNITY, AbsenceKind.PATERNITY, AbsenceKind.PARENTAL})
PERFORMANCE_KINDS = frozenset(
    {
        ComponentKind.UNIT_PERFORMANCE,
        ComponentKind.ENTE_PERFORMANCE,
        ComponentKind.INDIVIDUAL_OBJECTIVES,
        ComponentKind.GROUP_OBJECTIVES,
    }
)
ENGINE_KIND = {
    ComponentKind.UNIT_PERFORMANCE: ea.ComponentKind.UNIT_PERFORMANCE,
    ComponentKind.ENTE_PERFORMANCE: ea.ComponentKind.ENTE_PERFORMANCE,
    ComponentKind.INDIVIDUAL_OBJECTIVES: ea.ComponentKind.OBJECTIVES,
    ComponentKind.GROUP_OBJECTIVES: ea.ComponentKind.OBJECTIVES,
    ComponentKind.BEHAVIOURS: ea.ComponentKind.BEHAVIOURS,
    ComponentKind.OTHER: ea.ComponentKind.OTHER,
}

# The order of the states, for reopenings (a reopening goes back, never forward).
STATE_ORDER = [
    SchedaState.DRAFT,
    SchedaState.PROPOSED,
    SchedaState.INTERVIEW,
    SchedaState.DELIVERED,
    SchedaState.ACKNOWLEDGED,
    SchedaState.CONTESTED,
    SchedaState.CONCILIATION,
    SchedaState.FINAL,
]
REOPEN_TARGETS = frozenset(
    {SchedaState.DRAFT, SchedaState.PROPOSED, SchedaState.INTERVIEW, SchedaState.DELIVERED}
)

BEHAVIOUR_FIELDS = ("key", "name", "description", "levels", "is_differentiation_capacity", "order")
SCHEME_FIELDS = (
    "key",
    "name",
    "roles",
    "categories",
    "is_managerial",
    "evaluator_kind",
    "max_points",
    "behaviour_scale_min",
    "behaviour_scale_max",
    "negative_threshold",
    "behaviour_conversion",
    "prevalence",
    "contest_days",
    "self_evaluation",
    "minimum_service_days",
    "order",
)
# Scheme fields that may change after schede have been scored (they do not touch the scores).
SCHEME_LABEL_FIELDS = frozenset({"name", "order"})


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _by(user):
    return user if getattr(user, "is_authenticated", False) else None


def _access(user, ente: Ente) -> rules.AppraisalAccess | None:
    """None for system actions (user None); AccessDenied when the user has no role there."""
    if user is None:
        return None
    access = access_for(user, ente)
    if access is None:
        raise AccessDenied("Non hai accesso a questo ente.")
    return rules.build(access)


def _require_admin(user, ente: Ente, what: str) -> None:
    aa = _access(user, ente)
    if aa is not None and not rules.can_manage_schemes(aa):
        raise AccessDenied(f"{what}: operazione riservata all'amministratore dell'ente.")


def _set_key(values, data, instance, siblings, *, label: str, taken: str, fallback: str) -> None:
    """A key typed by the user must be free among `siblings`; a new row without one gets a key
    made from its name. `taken` is the message, with «{key}» standing for the key."""
    others = siblings.exclude(pk=instance.pk) if instance is not None else siblings
    if data.get("key"):
        key = parse_key(data["key"], label=label)
        ensure_free_key(others, key, taken)
        values["key"] = key
    elif instance is None:
        values["key"] = free_key(
            others.values_list("key", flat=True), values["name"], fallback=fallback
        )


def _sync(target: Model, source: Model) -> None:
    """Copy the fields of a re-read row onto the instance the caller holds."""
    if target is source:
        return
    for fld in source._meta.concrete_fields:
        setattr(target, fld.attname, getattr(source, fld.attname))


def state_label(state: str) -> str:
    return SchedaState(state).label if state in SchedaState.values else state


# ---------------------------------------------------------------------------------------------
# Behaviours dictionary
# ---------------------------------------------------------------------------------------------


def _clean_levels(raw: Any) -> list[dict[str, Any]]:
    if raw in (None, ""):
        return []
    if not isinstance(raw, list):
        raise ServiceError(
            "Descrittori dei livelli: serve un elenco di livelli con punteggio e descrizione.",
            field="levels",
        )
    levels: list[dict[str, Any]] = []
    seen: set[Decimal] = set()
    for index, row in enumerate(raw, start=1):
        if not isinstance(row, dict):
            raise ServiceError(
                f"Descrittori dei livelli, riga {index}: servono punteggio e descrizione.",
                field="levels",
            )
        score = required_decimal(
            row.get("score"), label=f"Livello {index}: punteggio", field="levels", places=2
        )
        descriptor = required_text(
            row.get("descriptor"), f"Livello {index}: la descrizione è obbligatoria.", "levels"
        )
        if score in seen:
            raise ServiceError(
                f"Descrittori dei livelli: il punteggio {number_it(score)} compare più volte.",
                field="levels",
            )
        seen.add(score)
        plain: int | str = int(score) if score == score.to_integral_value() else str(score)
        levels.append({"score": plain, "descriptor": descriptor})
    return sorted(levels, key=lambda level: Decimal(str(level["score"])))


def _clean_behaviour(data: dict[str, Any], ente: Ente, instance: Behaviour | None) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        values["name"] = required_text(
            data.get("name"), "Il nome del comportamento è obbligatorio.", "name"
        )
    if "description" in data:
        values["description"] = clean_text(data["description"])
    if "levels" in data:
        values["levels"] = _clean_levels(data["levels"])
    if "is_differentiation_capacity" in data:
        values["is_differentiation_capacity"] = parse_flag(data["is_differentiation_capacity"])
    if "order" in data and data["order"] not in (None, ""):
        values["order"] = parse_integer(
            data["order"], label="Ordine", field="order", low=0, high=32767
        )
    _set_key(
        values,
        data,
        instance,
        Behaviour.objects.filter(ente=ente),
        label="Comportamento",
        taken="Esiste già un comportamento con la chiave «{key}» nel dizionario.",
        fallback="comportamento",
    )
    return values


def behaviour_create(*, user, ente: Ente, data: dict[str, Any]) -> Behaviour:
    _require_admin(user, ente, "Dizionario dei comportamenti")
    with transaction.atomic():
        values = _clean_behaviour(data, ente, None)
        behaviour = Behaviour.objects.create(ente=ente, **values)
        audit(user, "behaviour.create", behaviour, ente, diff({}, state_of(behaviour)))
    return behaviour


def behaviour_update(*, user, behaviour: Behaviour, data: dict[str, Any]) -> Behaviour:
    ente = behaviour.ente
    _require_admin(user, ente, "Dizionario dei comportamenti")
    with transaction.atomic():
        before = state_of(behaviour)
        values = _clean_behaviour(data, ente, behaviour)
        for name, value in values.items():
            setattr(behaviour, name, value)
        behaviour.save()
        audit(user, "behaviour.update", behaviour, ente, diff(before, state_of(behaviour)))
    return behaviour


# ---------------------------------------------------------------------------------------------
# Schemes
# ---------------------------------------------------------------------------------------------


def _clean_list(raw: Any, allowed: Iterable[str], label: str, fld: str) -> list[str]:
    if raw in (None, ""):
        return []
    if isinstance(raw, str):
        raw = [part.strip() for part in raw.split(",") if part.strip()]
    if not isinstance(raw, list | tuple):
        raise ServiceError(f"{label}: serve un elenco.", field=fld)
    allowed = set(allowed)
    values: list[str] = []
    for item in raw:
        text = str(item).strip()
        if text not in allowed:
            raise ServiceError(f"{label}: valore «{text}» non previsto.", field=fld)
        if text not in values:
            values.append(text)
    return values


CATEGORY_VALUES = frozenset(v for v in list(CcnlArea.values) + list(LegacyCategory.values) if v)


def _clean_scheme(data: dict[str, Any], cycle: Cycle, instance: EvaluationScheme | None) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        values["name"] = required_text(
            data.get("name"), "La denominazione del modello è obbligatoria.", "name"
        )
    if "roles" in data:
        values["roles"] = _clean_list(data["roles"], Role.values, "Ruoli", "roles")
    if "categories" in data:
        values["categories"] = _clean_list(
            data["categories"], CATEGORY_VALUES, "Aree / categorie", "categories"
        )
    for name in ("is_managerial", "self_evaluation"):
        if name in data:
            values[name] = parse_flag(data[name])
    if "evaluator_kind" in data:
        if data["evaluator_kind"] not in EvaluatorKind.values:
            raise ServiceError(
                f"Valutatore: valore «{data['evaluator_kind']}» non previsto.",
                field="evaluator_kind",
            )
        values["evaluator_kind"] = data["evaluator_kind"]
    if "behaviour_conversion" in data:
        if data["behaviour_conversion"] not in BehaviourConversion.values:
            raise ServiceError(
                f"Conversione dei voti: valore «{data['behaviour_conversion']}» non previsto.",
                field="behaviour_conversion",
            )
        values["behaviour_conversion"] = data["behaviour_conversion"]
    if "prevalence" in data:
        if data["prevalence"] not in Prevalence.values:
            raise ServiceError(
                f"Prevalenza: valore «{data['prevalence']}» non previsto.", field="prevalence"
            )
        values["prevalence"] = data["prevalence"]
    if "max_points" in data:
        points = required_decimal(
            data["max_points"], label="Punteggio massimo", field="max_points", places=2
        )
        if not ZERO < points <= Decimal("9999"):
            raise ServiceError(
                "Il punteggio massimo deve essere maggiore di zero (es. 100 o 60).",
                field="max_points",
            )
        values["max_points"] = points
    for name, label in (
        ("behaviour_scale_min", "Scala dei comportamenti: minimo"),
        ("behaviour_scale_max", "Scala dei comportamenti: massimo"),
    ):
        if name in data:
            values[name] = parse_integer(data[name], label=label, field=name, low=0, high=100)
    if "contest_days" in data:
        values["contest_days"] = parse_integer(
            data["contest_days"],
            label="Giorni per contestare",
            field="contest_days",
            low=1,
            high=365,
        )
    if "minimum_service_days" in data:
        values["minimum_service_days"] = parse_integer(
            data["minimum_service_days"],
            label="Servizio minimo nell'anno (giorni)",
            field="minimum_service_days",
            low=0,
            high=366,
        )
    if "negative_threshold" in data:
        values["negative_threshold"] = parse_decimal(
            data["negative_threshold"],
            label="Soglia di valutazione negativa",
            field="negative_threshold",
            places=2,
        )
    if "order" in data and data["order"] not in (None, ""):
        values["order"] = parse_integer(
            data["order"], label="Ordine", field="order", low=0, high=32767
        )
    merged = {
        name: values.get(name, getattr(instance, name) if instance else None)
        for name in ("behaviour_scale_min", "behaviour_scale_max", "max_points")
    }
    low = merged["behaviour_scale_min"] if merged["behaviour_scale_min"] is not None else 1
    high = merged["behaviour_scale_max"] if merged["behaviour_scale_max"] is not None else 5
    if low >= high:
        raise ServiceError(
            f"La scala dei comportamenti va da {low} a {high}: il minimo deve essere "
            "inferiore al massimo.",
            field="behaviour_scale_max",
        )
    top = merged["max_points"] if merged["max_points"] is not None else HUNDRED
    threshold = values.get("negative_threshold", instance.negative_threshold if instance else None)
    if threshold is not None and not ZERO <= threshold <= top:
        raise ServiceError(
            f"La soglia di valutazione negativa deve essere tra 0 e {number_it(top)} "
            f"(indicata {decimal_it(threshold)}).",
            field="negative_threshold",
        )
    _set_key(
        values,
        data,
        instance,
        EvaluationScheme.objects.filter(cycle=cycle),
        label="Modello di scheda",
        taken=f"Esiste già un modello con la chiave «{{key}}» nel ciclo {cycle.year}.",
        fallback="scheda",
    )
    return values


def _scored_schede(scheme: EvaluationScheme) -> int:
    return Scheda.objects.filter(scheme=scheme, items__isnull=False).distinct().count()


def scheme_create(*, user, cycle: Cycle, data: dict[str, Any]) -> EvaluationScheme:
    _require_admin(user, cycle.ente, "Modelli di scheda")
    with transaction.atomic():
        values = _clean_scheme(data, cycle, None)
        scheme = EvaluationScheme.objects.create(cycle=cycle, **values)
        audit(user, "scheme.create", scheme, cycle.ente, diff({}, state_of(scheme)))
    return scheme


def scheme_update(*, user, scheme: EvaluationScheme, data: dict[str, Any]) -> EvaluationScheme:
    cycle = scheme.cycle
    _require_admin(user, cycle.ente, "Modelli di scheda")
    with transaction.atomic():
        before = state_of(scheme)
        values = _clean_scheme(data, cycle, scheme)
        changed = {n for n, v in values.items() if before.get(n) != _state_value(scheme, n, v)}
        if changed - SCHEME_LABEL_FIELDS:
            used = _scored_schede(scheme)
            if used:
                raise ServiceError(
                    f"Il modello «{scheme.name}» è già usato per valutare {used} schede: "
                    "se ne cambiano solo denominazione e ordine.",
                    code="frozen",
                )
        for name, value in values.items():
            setattr(scheme, name, value)
        scheme.save()
        audit(user, "scheme.update", scheme, cycle.ente, diff(before, state_of(scheme)))
    return scheme


def _state_value(instance: Model, name: str, value: Any) -> Any:
    fld = instance._meta.get_field(name)
    if isinstance(fld, DecimalField) and value is not None:
        return str(Decimal(value).quantize(Decimal(1).scaleb(-fld.decimal_places)))
    if isinstance(value, Decimal):
        return str(value)
    return value


@dataclass
class _ComponentPlan:
    key: str
    kind: str
    label: str
    weight: Decimal
    presence_sensitive: bool
    behaviours: list[tuple[Behaviour, Decimal | None]] = field(default_factory=list)


def _resolve_behaviour(raw: Any, ente: Ente, dictionary: dict[int, Behaviour], where: str):
    if isinstance(raw, Behaviour):
        behaviour = dictionary.get(raw.pk)
    else:
        try:
            behaviour = dictionary.get(int(raw))
        except (TypeError, ValueError):
            behaviour = next((b for b in dictionary.values() if b.key == raw), None)
    if behaviour is None:
        raise ServiceError(
            f"{where}: il comportamento «{raw}» non è nel dizionario di {ente}.",
            field="components",
        )
    return behaviour


def _clean_components(scheme: EvaluationScheme, rows: list[dict]) -> list[_ComponentPlan]:
    if not isinstance(rows, list | tuple) or not rows:
        raise ServiceError("Il modello deve avere almeno un componente.", field="components")
    ente = scheme.cycle.ente
    dictionary = {b.pk: b for b in Behaviour.objects.filter(ente=ente)}
    plans: list[_ComponentPlan] = []
    keys: list[str] = []
    used_behaviours: dict[int, str] = {}
    for index, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise ServiceError(f"Componente {index}: dati non validi.", field="components")
        kind = row.get("kind")
        if kind not in ComponentKind.values:
            raise ServiceError(
                f"Componente {index}: tipo «{kind}» non previsto.", field="components"
            )
        label = clean_text(row.get("label")) or ComponentKind(kind).label
        where = f"Componente «{label}»"
        weight = required_decimal(
            row.get("weight"), label=f"{where}: peso", field="components", places=2
        )
        if not ZERO < weight <= HUNDRED:
            raise ServiceError(
                f"{where}: il peso deve essere maggiore di 0 e al massimo 100 "
                f"(indicato {decimal_it(weight)}).",
                field="components",
            )
        key = clean_text(row.get("key"))
        key = (
            parse_key(key, label=where)
            if key
            else free_key(keys, label, fallback=f"componente-{index}")
        )
        if key in keys:
            raise ServiceError(f"{where}: la chiave «{key}» compare più volte.", field="components")
        keys.append(key)
        plan = _ComponentPlan(key, kind, label, weight, parse_flag(row.get("presence_sensitive")))
        raw_behaviours = row.get("behaviours") or []
        if kind != ComponentKind.BEHAVIOURS and raw_behaviours:
            raise ServiceError(
                f"{where}: solo un componente «Comportamenti organizzativi» elenca comportamenti.",
                field="components",
            )
        if kind == ComponentKind.BEHAVIOURS and not raw_behaviours:
            raise ServiceError(
                f"{where}: scegli almeno un comportamento dal dizionario.", field="components"
            )
        for entry in raw_behaviours:
            if not isinstance(entry, dict):
                entry = {"behaviour": entry}
            behaviour = _resolve_behaviour(entry.get("behaviour"), ente, dictionary, where)
            if behaviour.pk in used_behaviours:
                raise ServiceError(
                    f"{where}: il comportamento «{behaviour.name}» compare già in "
                    f"«{used_behaviours[behaviour.pk]}».",
                    field="components",
                )
            used_behaviours[behaviour.pk] = label
            b_weight = parse_decimal(
                entry.get("weight"),
                label=f"{where}, «{behaviour.name}»: peso",
                field="components",
                places=2,
            )
            if b_weight is not None and not ZERO < b_weight <= HUNDRED:
                raise ServiceError(
                    f"{where}, «{behaviour.name}»: il peso deve essere maggiore di 0 e al "
                    f"massimo 100 (indicato {decimal_it(b_weight)}).",
                    field="components",
                )
            plan.behaviours.append((behaviour, b_weight))
        weights = [w for _, w in plan.behaviours]
        if any(w is not None for w in weights):
            if any(w is None for w in weights):
                raise ServiceError(
                    f"{where}: indica il peso di tutti i comportamenti o di nessuno.",
                    field="components",
                )
            total = sum(weights, ZERO)
            if abs(total - HUNDRED) > WEIGHT_TOLERANCE:
                raise ServiceError(
                    f"{where}: i pesi dei comportamenti totalizzano {decimal_it(total)} "
                    "invece di 100.",
                    field="components",
                )
        plans.append(plan)
    return plans


def _component_problems(
    scheme: EvaluationScheme,
    components: list[tuple[str, str, Decimal]],
    has_differentiation: bool,
) -> list[str]:
    """Weights and the art. 9 c.1 rules; `components` are (kind, label, weight)."""
    problems: list[str] = []
    if not components:
        return ["Il modello non ha componenti."]
    total = sum((weight for _, _, weight in components), ZERO)
    if abs(total - HUNDRED) > WEIGHT_TOLERANCE:
        problems.append(f"I pesi dei componenti totalizzano {decimal_it(total)} invece di 100.")
    if scheme.is_managerial:
        unit_weight = sum(
            (w for kind, _, w in components if kind == ComponentKind.UNIT_PERFORMANCE), ZERO
        )
        others = [(label, w) for kind, label, w in components if kind != "unit_performance"]
        if not unit_weight:
            problems.append(
                "Nelle schede di dirigenti ed EQ serve il componente «Performance dell'unità di "
                "appartenenza», con peso prevalente (art. 9 c.1 lett. a D.Lgs. 150/2009)."
            )
        elif scheme.prevalence == Prevalence.MAJORITY and unit_weight <= HUNDRED / 2:
            problems.append(
                "Nelle schede di dirigenti ed EQ la performance dell'unità di appartenenza deve "
                "avere peso prevalente, superiore al 50\u00a0% "
                f"(art. 9 c.1 lett. a D.Lgs. 150/2009): "
                f"pesa {decimal_it(unit_weight)}."
            )
        elif scheme.prevalence != Prevalence.MAJORITY:
            heavier = [(label, w) for label, w in others if w >= unit_weight]
            if heavier:
                label, weight = max(heavier, key=lambda pair: pair[1])
                problems.append(
                    "Nelle schede di dirigenti ed EQ la performance dell'unità di appartenenza "
                    "deve avere peso prevalente (art. 9 c.1 lett. a D.Lgs. 150/2009): pesa "
                    f"{decimal_it(unit_weight)}, mentre «{label}» pesa {decimal_it(weight)}."
                )
        if not has_differentiation:
            problems.append(
                "Le schede di dirigenti ed EQ devono valutare la capacità di differenziare i "
                "giudizi dei propri collaboratori (art. 9 c.1 lett. d D.Lgs. 150/2009): "
                "aggiungi ai comportamenti quello segnato come «capacità di differenziare i "
                "giudizi»."
            )
    return problems


def scheme_component_set(
    *, user, scheme: EvaluationScheme, components: list[dict]
) -> list[SchemeComponent]:
    """Replace the components of a scheme (refused once schede have been scored with it)."""
    cycle = scheme.cycle
    _require_admin(user, cycle.ente, "Modelli di scheda")
    with transaction.atomic():
        used = _scored_schede(scheme)
        if used:
            raise ServiceError(
                f"Il modello «{scheme.name}» è già usato per valutare {used} schede: i suoi "
                "componenti non si cambiano più.",
                field="components",
                code="frozen",
            )
        plans = _clean_components(scheme, components)
        problems = _component_problems(
            scheme,
            [(p.kind, p.label, p.weight) for p in plans],
            any(b.is_differentiation_capacity for p in plans for b, _ in p.behaviours),
        )
        if problems:
            raise ServiceError(" ".join(problems), field="components")
        before = _components_state(scheme)
        SchemeBehaviour.objects.filter(component__scheme=scheme).delete()
        scheme.components.all().delete()
        created: list[SchemeComponent] = []
        for order, plan in enumerate(plans, start=1):
            component = SchemeComponent.objects.create(
                scheme=scheme,
                key=plan.key,
                kind=plan.kind,
                label=plan.label,
                weight=plan.weight,
                presence_sensitive=plan.presence_sensitive,
                order=order,
            )
            for position, (behaviour, weight) in enumerate(plan.behaviours, start=1):
                SchemeBehaviour.objects.create(
                    component=component, behaviour=behaviour, weight=weight, order=position
                )
            created.append(component)
        audit(
            user,
            "scheme.components",
            scheme,
            cycle.ente,
            {"components": [before, _components_state(scheme)]},
        )
    return created


def _components_state(scheme: EvaluationScheme) -> list[dict[str, Any]]:
    rows = SchemeComponent.objects.filter(scheme=scheme).prefetch_related("behaviours__behaviour")
    return [
        {
            "key": c.key,
            "kind": c.kind,
            "weight": str(c.weight),
            "presence_sensitive": c.presence_sensitive,
            "behaviours": [
                [sb.behaviour.key, None if sb.weight is None else str(sb.weight)]
                for sb in c.behaviours.all()
            ],
        }
        for c in rows
    ]


def _bands_engine(
    scheme: EvaluationScheme, bands: Iterable[tuple[Decimal, Decimal, Decimal, str]]
) -> ea.ScoreBands:
    return ea.ScoreBands(
        tuple(ea.ScoreBand(low, high, pct, label) for low, high, pct, label in bands),
        maximum=Decimal(scheme.max_points),
        minimum=ZERO,
        negative_below=(
            None if scheme.negative_threshold is None else Decimal(scheme.negative_threshold)
        ),
    )


def _band_problems(table: ea.ScoreBands) -> list[str]:
    """The engine's checks of a band table, as Italian sentences naming the band."""
    problems = []
    for key, message in ea.check_bands(table):
        band = None
        if "[" in key:
            index = int(key.split("[", 1)[1].split("]", 1)[0])
            band = table.bands[index] if index < len(table.bands) else None
        if band is not None:
            span = f"{number_it(band.lower)}–{number_it(band.upper)}"
            problems.append(f"Fascia {span}: {message}.")
        elif key.endswith("negative_below"):
            problems.append(f"Soglia di valutazione negativa: {message}.")
        else:
            problems.append(f"Fasce di punteggio: {message}.")
    return problems


def scheme_bands_set(*, user, scheme: EvaluationScheme, bands: list[dict]) -> list[ScoreBand]:
    """Replace the score bands: no overlap, from 0 to the scheme's maximum, premium 0–100%."""
    cycle = scheme.cycle
    _require_admin(user, cycle.ente, "Fasce di punteggio")
    with transaction.atomic():
        used = _scored_schede(scheme)
        if used:
            raise ServiceError(
                f"Il modello «{scheme.name}» è già usato per valutare {used} schede: le fasce "
                "non si cambiano più.",
                field="bands",
                code="frozen",
            )
        if not isinstance(bands, list | tuple) or not bands:
            raise ServiceError("Indica almeno una fascia di punteggio.", field="bands")
        rows: list[tuple[Decimal, Decimal, Decimal, str]] = []
        for index, row in enumerate(bands, start=1):
            if not isinstance(row, dict):
                raise ServiceError(f"Fascia {index}: dati non validi.", field="bands")
            low = required_decimal(
                row.get("min_points"), label=f"Fascia {index}: da punti", field="bands", places=2
            )
            high = required_decimal(
                row.get("max_points"), label=f"Fascia {index}: a punti", field="bands", places=2
            )
            pct = required_decimal(
                row.get("premium_percent"), label=f"Fascia {index}: premio", field="bands", places=2
            )
            span = f"{number_it(low)}–{number_it(high)}"
            if low > high:
                raise ServiceError(
                    f"Fascia {span}: il limite inferiore supera quello superiore.", field="bands"
                )
            if low < ZERO or high > scheme.max_points:
                raise ServiceError(
                    f"Fascia {span}: i punteggi devono stare tra 0 e "
                    f"{number_it(scheme.max_points)}.",
                    field="bands",
                )
            if not ZERO <= pct <= HUNDRED:
                raise ServiceError(
                    f"Fascia {span}: il premio deve essere tra 0 e 100\u00a0% "
                    f"(indicato {decimal_it(pct)}).",
                    field="bands",
                )
            rows.append((low, high, pct, clean_text(row.get("label"))))
        problems = _band_problems(_bands_engine(scheme, rows))
        if problems:
            raise ServiceError(" ".join(problems), field="bands")
        before = [
            [str(b.min_points), str(b.max_points), str(b.premium_percent)]
            for b in scheme.bands.all()
        ]
        scheme.bands.all().delete()
        ordered = sorted(rows, key=lambda r: r[0], reverse=True)
        created = [
            ScoreBand.objects.create(
                scheme=scheme,
                min_points=low,
                max_points=high,
                premium_percent=pct,
                label=label,
                order=order,
            )
            for order, (low, high, pct, label) in enumerate(ordered, start=1)
        ]
        after = [[str(b.min_points), str(b.max_points), str(b.premium_percent)] for b in created]
        audit(user, "scheme.bands", scheme, cycle.ente, {"bands": [before, after]})
    return created


def _scheme_rows(scheme: EvaluationScheme):
    components = list(
        SchemeComponent.objects.filter(scheme=scheme).prefetch_related("behaviours__behaviour")
    )
    bands = list(ScoreBand.objects.filter(scheme=scheme))
    return components, bands


def scheme_validate(scheme: EvaluationScheme) -> list[str]:
    """Every problem that keeps a scheme from being used, in Italian (empty when usable)."""
    components, bands = _scheme_rows(scheme)
    problems: list[str] = []
    if scheme.behaviour_scale_min >= scheme.behaviour_scale_max:
        problems.append(
            f"La scala dei comportamenti va da {scheme.behaviour_scale_min} a "
            f"{scheme.behaviour_scale_max}: il minimo deve essere inferiore al massimo."
        )
    problems.extend(
        _component_problems(
            scheme,
            [(c.kind, c.label, Decimal(c.weight)) for c in components],
            any(sb.behaviour.is_differentiation_capacity for c in components for sb in _sb(c)),
        )
    )
    for component in components:
        if component.kind == ComponentKind.BEHAVIOURS and not _sb(component):
            problems.append(f"Il componente «{component.label}» non ha comportamenti.")
    if not bands:
        problems.append("Il modello non ha fasce di punteggio.")
    else:
        rows = [
            (Decimal(b.min_points), Decimal(b.max_points), Decimal(b.premium_percent), b.label)
            for b in bands
        ]
        problems.extend(_band_problems(_bands_engine(scheme, rows)))
    return problems


def _sb(component: SchemeComponent) -> list[SchemeBehaviour]:
    return list(component.behaviours.all())


def engine_scheme(
    scheme: EvaluationScheme, components: list[SchemeComponent] | None = None
) -> ea.AppraisalScheme:
    """The engine's scheme for a stored one (components prefetched with their behaviours)."""
    if components is None:
        components, _ = _scheme_rows(scheme)
    weights = [Decimal(c.weight) for c in components]
    total = sum(weights, ZERO)
    heaviest = weights.index(max(weights)) if weights else -1
    parts = []
    for index, component in enumerate(components):
        weight = weights[index]
        if index == heaviest and total != HUNDRED and abs(total - HUNDRED) <= WEIGHT_TOLERANCE:
            weight += HUNDRED - total
        behaviours = tuple(
            ea.Behaviour(
                code=sb.behaviour.key,
                label=sb.behaviour.name,
                weight=Decimal(sb.weight) if sb.weight is not None else Decimal(1),
                differentiation=sb.behaviour.is_differentiation_capacity,
            )
            for sb in _sb(component)
        )
        parts.append(
            ea.Component(
                code=component.key,
                kind=ENGINE_KIND[ComponentKind(component.kind)],
                weight=weight,
                label=component.label,
                behaviours=behaviours,
                presence_sensitive=component.presence_sensitive,
            )
        )
    if not scheme.is_managerial:
        role = ea.Role.STAFF
    elif Role.DIRIGENTE in (scheme.roles or []):
        role = ea.Role.DIRIGENTE
    else:
        role = ea.Role.EQ
    return ea.AppraisalScheme(
        components=tuple(parts),
        role=role,
        max_points=Decimal(scheme.max_points),
        scale=ea.RatingScale(
            Decimal(scheme.behaviour_scale_min), Decimal(scheme.behaviour_scale_max), None
        ),
        conversion=ea.Conversion(scheme.behaviour_conversion),
        prevalence=ea.Prevalence(scheme.prevalence),
    )


def engine_bands(scheme: EvaluationScheme, bands: list[ScoreBand] | None = None) -> ea.ScoreBands:
    if bands is None:
        bands = list(ScoreBand.objects.filter(scheme=scheme))
    return _bands_engine(
        scheme,
        [
            (Decimal(b.min_points), Decimal(b.max_points), Decimal(b.premium_percent), b.label)
            for b in bands
        ],
    )


def classify(scheme: EvaluationScheme, bands: list[ScoreBand], points: Decimal):
    """(band row, premium %, negative) for a score, through the engine's band table."""
    table = engine_bands(scheme, bands)
    try:
        result = table.classify(Decimal(points))
    except (ValueError, ConfigError) as exc:
        raise ServiceError(f"Fasce di punteggio di «{scheme.name}»: {exc}.", field="bands") from exc
    row = next(
        b
        for b in bands
        if Decimal(b.min_points) == result.band.lower and Decimal(b.max_points) == result.band.upper
    )
    return row, result.percent, result.negative


# ---------------------------------------------------------------------------------------------
# Generating the schede: who is evaluated, by whom, and whether eligible
# ---------------------------------------------------------------------------------------------


@dataclass
class PersonYear:
    """What the year looks like for one person: service, role, unit, absences."""

    person: Person
    employment: Employment
    service: set[dt.date] = field(default_factory=set)
    employments: list[Employment] = field(default_factory=list)
    assignments: list[UnitAssignment] = field(default_factory=list)
    absences: list[Absence] = field(default_factory=list)

    @property
    def service_days(self) -> int:
        return len(self.service)

    @property
    def role(self) -> str:
        return self.employment.role


def _year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def _overlapping(start_field: str, end_field: str, first: dt.date, last: dt.date) -> Q:
    return (Q(**{f"{start_field}__isnull": True}) | Q(**{f"{start_field}__lte": last})) & (
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gte": first})
    )


def _days(start: dt.date | None, end: dt.date | None, first: dt.date, last: dt.date):
    low = max(start or first, first)
    high = min(end or last, last)
    return (
        {low + dt.timedelta(days=n) for n in range((high - low).days + 1)} if low <= high else set()
    )


def population(cycle: Cycle, person_ids: Iterable[int] | None = None) -> dict[int, PersonYear]:
    """Everyone with an employment overlapping the cycle's year (external collaborators
    excluded), with their service days, assignments and absences: four queries."""
    first, last = _year_bounds(cycle.year)
    employments = Employment.objects.filter(person__ente_id=cycle.ente_id).filter(
        _overlapping("start_date", "end_date", first, last)
    )
    if person_ids is not None:
        employments = employments.filter(person_id__in=list(person_ids))
    people: dict[int, PersonYear] = {}
    for employment in employments.select_related("person").order_by("person_id", "start_date"):
        if employment.role == Role.EXTERNAL:
            continue
        entry = people.get(employment.person_id)
        if entry is None:
            entry = people[employment.person_id] = PersonYear(employment.person, employment)
        entry.employments.append(employment)
        entry.service |= _days(employment.start_date, employment.end_date, first, last)
        # The employment in force at the end of the period counts (latest start wins).
        if (employment.start_date or first) >= (entry.employment.start_date or first):
            entry.employment = employment
    if not people:
        return people
    for assignment in (
        UnitAssignment.objects.filter(person_id__in=list(people))
        .filter(_overlapping("start_date", "end_date", first, last))
        .select_related("unit")
    ):
        people[assignment.person_id].assignments.append(assignment)
    for absence in Absence.objects.filter(
        person_id__in=list(people), start_date__lte=last, end_date__gte=first
    ):
        people[absence.person_id].absences.append(absence)
    return people


def presence_of(entry: PersonYear) -> ea.Presence:
    """Days of service, counted absences and protected leave within the service days."""
    protected: set[dt.date] = set()
    other: set[dt.date] = set()
    first, last = min(entry.service), max(entry.service)
    for absence in entry.absences:
        days = _days(absence.start_date, absence.end_date, first, last) & entry.service
        (protected if absence.kind in PROTECTED_LEAVE else other).update(days)
    other -= protected
    return ea.Presence(entry.service_days, len(other), len(protected))


def _eligibility(entry: PersonYear, scheme: EvaluationScheme, cycle: Cycle) -> tuple[bool, str]:
    first, last = _year_bounds(cycle.year)
    notes: list[str] = []
    eligible = entry.service_days >= scheme.minimum_service_days
    if not eligible:
        notes.append(
            f"Servizio nell'anno: {entry.service_days} giorni, minimo "
            f"{scheme.minimum_service_days}."
        )
    else:
        notes.append(f"Servizio nell'anno: {entry.service_days} giorni.")
    start = min(entry.service) if entry.service else None
    end = max(entry.service) if entry.service else None
    if start and start > first:
        notes.append(f"In servizio dal {date_it(start)}.")
    if end and end < last:
        notes.append(f"In servizio fino al {date_it(end)}.")
    if entry.employment.is_part_time:
        notes.append(f"Part-time al {format_percent(entry.employment.part_time_percent)}.")
    for assignment in entry.assignments:
        if assignment.kind == AssignmentKind.CONVENTION:
            text = "In convenzione"
            if assignment.source_ente_name:
                text += f" con {assignment.source_ente_name}"
            if assignment.share_percent is not None:
                text += f" (quota {format_percent(assignment.share_percent)})"
            notes.append(text + ".")
    if entry.service:
        presence = presence_of(entry)
        if presence.protected_days:
            notes.append(
                f"Congedi tutelati (art. 9 c.3 D.Lgs. 150/2009): {presence.protected_days} "
                "giorni, che non riducono la valutazione."
            )
        if presence.absence_days:
            notes.append(f"Altre assenze: {presence.absence_days} giorni.")
    return eligible, " ".join(notes)


def _scheme_for(schemes: list[EvaluationScheme], employment: Employment):
    """The most specific scheme: a role match counts more than a category match."""
    best, best_score = None, -1
    for scheme in schemes:
        roles, categories = scheme.roles or [], scheme.categories or []
        if roles and employment.role not in roles:
            continue
        if categories and not (
            employment.ccnl_area in categories or employment.legacy_category in categories
        ):
            continue
        score = (2 if roles else 0) + (1 if categories else 0)
        if score > best_score:
            best, best_score = scheme, score
    return best


def _depth(unit: Unit, by_id: dict[int, Unit]) -> int:
    return tree.depth(_parents(by_id, unit), unit.pk)


def _parents(by_id: dict[int, Unit], unit: Unit) -> dict[int, int | None]:
    """The `{unit: parent}` map of the ente's units, `unit` included."""
    parent_of = {pk: row.parent_id for pk, row in by_id.items()}
    parent_of.setdefault(unit.pk, unit.parent_id)
    return parent_of


def _unit_of(entry: PersonYear, led: list[Unit], by_id: dict[int, Unit], year: int) -> Unit | None:
    if led:
        return min(led, key=lambda u: (_depth(u, by_id), u.order, u.pk))
    if not entry.assignments:
        return None
    first, last = _year_bounds(year)

    def span(a: UnitAssignment):
        return (len(_days(a.start_date, a.end_date, first, last)), a.start_date or first)

    return by_id.get(max(entry.assignments, key=span).unit_id)


def _chain_up(unit: Unit | None, person_id: int, by_id: dict[int, Unit]) -> int | None:
    """The responsabile of the unit or of the first unit above it, other than the person."""
    if unit is None:
        return None
    for pk in [unit.pk, *tree.ancestors(_parents(by_id, unit), unit.pk)]:
        node = by_id.get(pk, unit)
        if node.responsible_id and node.responsible_id != person_id:
            return node.responsible_id
    return None


def evaluator_for(
    entry: PersonYear,
    scheme: EvaluationScheme,
    unit: Unit | None,
    is_manager: bool,
    segretario_id: int | None,
    by_id: dict[int, Unit],
) -> tuple[int | None, str]:
    """(evaluator person id or None for the Nucleo, evaluator kind) — see the module notes."""
    person_id = entry.person.pk
    segretario = segretario_id if segretario_id and segretario_id != person_id else None
    if is_manager or scheme.evaluator_kind == EvaluatorKind.NUCLEO:
        if scheme.evaluator_kind == EvaluatorKind.SEGRETARIO and segretario:
            return segretario, EvaluatorKind.SEGRETARIO
        return None, EvaluatorKind.NUCLEO
    if scheme.evaluator_kind == EvaluatorKind.SEGRETARIO and segretario:
        return segretario, EvaluatorKind.SEGRETARIO
    responsible = _chain_up(unit, person_id, by_id)
    if responsible is not None:
        if responsible == segretario:
            return responsible, EvaluatorKind.SEGRETARIO
        return responsible, EvaluatorKind.RESPONSABILE
    if segretario:
        return segretario, EvaluatorKind.SEGRETARIO
    return None, EvaluatorKind.NUCLEO


def schede_generate(*, user, cycle: Cycle) -> list[Scheda]:
    """One scheda per person employed in the cycle's year (existing schede are kept)."""
    ente = cycle.ente
    _require_admin(user, ente, "Generazione delle schede")
    with transaction.atomic():
        schemes = list(
            EvaluationScheme.objects.filter(cycle=cycle).prefetch_related(
                "components__behaviours__behaviour", "bands"
            )
        )
        if not schemes:
            raise ServiceError(
                f"Il ciclo {cycle.year} non ha modelli di scheda: definiscili prima di generare "
                "le schede."
            )
        people = population(cycle)
        existing = set(Scheda.objects.filter(cycle=cycle).values_list("person_id", flat=True))
        units = list(Unit.objects.filter(ente=ente))
        by_id = {u.pk: u for u in units}
        led: dict[int, list[Unit]] = {}
        for unit in units:
            if unit.responsible_id:
                led.setdefault(unit.responsible_id, []).append(unit)
        segretari = sorted(
            (e for e in people.values() if e.role in SEGRETARIO_ROLES),
            key=lambda e: (e.role != Role.SEGRETARIO, e.person.last_name, e.person.pk),
        )
        segretario_id = segretari[0].person.pk if segretari else None
        planned, missing = [], []
        for entry in sorted(people.values(), key=lambda e: (e.person.last_name, e.person.pk)):
            if entry.person.pk in existing:
                continue
            scheme = _scheme_for(schemes, entry.employment)
            if scheme is None:
                what = entry.employment.get_role_display()
                if entry.employment.category_label:
                    what += f", {entry.employment.category_label}"
                missing.append(f"{entry.person} ({what})")
                continue
            planned.append((entry, scheme))
        if missing:
            raise ServiceError(
                "Nessun modello di scheda si applica a: " + "; ".join(missing) + ". Aggiungi il "
                "ruolo o la categoria a un modello."
            )
        invalid = []
        for scheme in {scheme.pk: scheme for _, scheme in planned}.values():
            problems = scheme_validate(scheme)
            if problems:
                invalid.append(f"«{scheme.name}»: " + " ".join(problems))
        if invalid:
            raise ServiceError("Modelli di scheda da correggere prima: " + " ".join(invalid))
        created: list[Scheda] = []
        for entry, scheme in planned:
            person_led = led.get(entry.person.pk, [])
            is_manager = entry.role in MANAGER_ROLES or bool(person_led)
            unit = _unit_of(entry, person_led, by_id, cycle.year)
            evaluator_id, kind = evaluator_for(
                entry, scheme, unit, is_manager, segretario_id, by_id
            )
            eligible, note = _eligibility(entry, scheme, cycle)
            scheda = Scheda.objects.create(
                cycle=cycle,
                person=entry.person,
                scheme=scheme,
                unit=unit,
                evaluator_id=evaluator_id,
                evaluator_kind=kind,
                is_eligible=eligible,
                eligibility_note=note,
            )
            SchedaTransition.objects.create(
                scheda=scheda,
                from_state="",
                to_state=SchedaState.DRAFT,
                by=_by(user),
                note="Scheda generata.",
            )
            created.append(scheda)
        audit(
            user,
            "scheda.generate",
            cycle,
            ente,
            {"created": [[s.pk, s.person_id, s.scheme_id, s.evaluator_id] for s in created]},
        )
    return created


# ---------------------------------------------------------------------------------------------
# The organisational performance that prefills a scheda
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PerformanceScores:
    """Percentages (0..100) from the measurement of the cycle, by unit and objective id."""

    units: dict[int, Decimal] = field(default_factory=dict)
    objectives: dict[int, Decimal] = field(default_factory=dict)
    ente: Decimal | None = None


def performance_scores(cycle: Cycle) -> PerformanceScores:
    """Unit, objective and ente percentages of the cycle from the measurement's score board
    (`measurement.selectors.cycle_scores`, the final reading once the year is over)."""
    from measurement.selectors import cycle_scores

    board = cycle_scores(cycle)
    units = {e.unit.pk: e.score.percent for e in board.units if e.score.percent is not None}
    objectives = {
        e.objective.pk: e.score.percent for e in board.objectives if e.score.percent is not None
    }
    ente = board.ente_score.percent if board.ente_score is not None else None
    return PerformanceScores(units=units, objectives=objectives, ente=ente)


# ---------------------------------------------------------------------------------------------
# The scheda: scoring
# ---------------------------------------------------------------------------------------------


def _lock(scheda: Scheda) -> Scheda:
    return Scheda.objects.select_for_update().get(pk=scheda.pk)


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
    if not isinstance(items, list | tuple):
        raise ServiceError("Le voci della scheda non sono valide.", field="items")
    plans: list[_ItemPlan] = []
    low, high = Decimal(scheme.behaviour_scale_min), Decimal(scheme.behaviour_scale_max)
    objective_ids = [i.get("objective") for i in items if isinstance(i, dict)]
    objectives = {
        o.pk: o
        for o in OperationalObjective.objects.filter(
            cycle=scheda.cycle,
            pk__in=[getattr(o, "pk", o) for o in objective_ids if o not in (None, "")],
        )
    }
    seen: set[tuple[int, int | None, int | None]] = set()
    for row in items:
        if not isinstance(row, dict):
            raise ServiceError("Le voci della scheda non sono valide.", field="items")
        component = _resolve_component(row.get("component"), components)
        note = clean_text(row.get("note"))
        behaviour = objective = None
        weight = Decimal(1)
        if component.kind == ComponentKind.BEHAVIOURS:
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
        else:
            raw_o = row.get("objective")
            if raw_o not in (None, ""):
                objective = objectives.get(int(getattr(raw_o, "pk", raw_o)))
                if objective is None:
                    raise ServiceError(
                        f"«{component.label}»: l'obiettivo «{raw_o}» non è del piano "
                        f"{scheda.cycle.year}.",
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
        ident = (
            component.pk,
            behaviour.pk if behaviour else None,
            objective.pk if objective else None,
        )
        if ident in seen:
            raise ServiceError(
                f"«{component.label}»: la stessa voce compare più volte.", field="items"
            )
        seen.add(ident)
        plans.append(_ItemPlan(component, behaviour, objective, raw, note, weight))
    # Components not given: performance components are prefilled, the rest is missing.
    for component in components:
        given = [p for p in plans if p.component.pk == component.pk]
        if component.kind == ComponentKind.BEHAVIOURS:
            have = {p.behaviour.pk for p in given}
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
            plans.append(_ItemPlan(component, None, None, raw, ""))
    return plans


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


def scheda_score(
    *, user, scheda: Scheda, items: list[dict], expected_version: int | None = None
) -> Scheda:
    """Score a scheda: behaviours on the scheme's scale, other components in percent
    (performance components prefilled from the measurement when omitted)."""
    _require_evaluator(user, scheda)
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        _check_version(scheda, expected_version)
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
        scheme = scheda.scheme
        problems = scheme_validate(scheme)
        if problems:
            raise ServiceError(f"Il modello «{scheme.name}» va corretto: " + " ".join(problems))
        components, bands = _scheme_rows(scheme)
        needs_board = any(
            c.kind in PERFORMANCE_KINDS
            and not any(
                isinstance(i, dict)
                and str(getattr(i.get("component"), "pk", i.get("component"))) in {str(c.pk), c.key}
                and i.get("raw_score") not in (None, "")
                for i in items or []
            )
            for c in components
        )
        board = performance_scores(scheda.cycle) if needs_board else None
        plans = _plan_items(scheda, scheme, components, items, board)
        presence = _presence_for(scheda) if any(c.presence_sensitive for c in components) else None
        result, points = score_items(scheda, scheme, components, plans, presence)
        total = present(result.points)
        band, premium, negative = classify(scheme, bands, total)
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
                points=points[index],
                note=plan.note,
            )
            for index, plan in enumerate(plans)
        )
        scheda.total_points = total
        scheda.band = band
        scheda.premium_percent = premium
        scheda.is_negative = negative
        scheda.version += 1
        scheda.save()
        changes = diff(before, state_of(scheda))
        changes["items"] = [before_items, _items_state(scheda)]
        audit(user, "scheda.score", scheda, scheda.cycle.ente, changes)
    _sync(original, scheda)
    return scheda


def _items_state(scheda: Scheda) -> list[list[Any]]:
    return [
        [i.component_id, i.behaviour_id, i.objective_id, str(i.raw_score), str(i.points)]
        for i in SchedaItem.objects.filter(scheda=scheda).order_by("id")
    ]


def scheda_self_evaluate(*, user, scheda: Scheda, text: str) -> Scheda:
    """The evaluated person's self-evaluation, when the scheme provides it."""
    _require_evaluated(user, scheda, "scrivere l'autovalutazione nel")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
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
    _sync(original, scheda)
    return scheda


# ---------------------------------------------------------------------------------------------
# The scheda: workflow
# ---------------------------------------------------------------------------------------------


def _move(
    user,
    scheda: Scheda,
    to_state: str,
    action: str,
    *,
    note: str = "",
    reopening: bool = False,
    before: dict | None = None,
    extra: dict | None = None,
) -> None:
    before = before if before is not None else state_of(scheda)
    SchedaTransition.objects.create(
        scheda=scheda,
        from_state=scheda.state,
        to_state=to_state,
        by=_by(user),
        note=note,
        is_reopening=reopening,
    )
    scheda.state = to_state
    scheda.version += 1
    scheda.save()
    changes = diff(before, state_of(scheda))
    if extra:
        changes.update(extra)
    audit(user, action, scheda, scheda.cycle.ente, changes)


def contest_deadline(scheda: Scheda) -> dt.date | None:
    """The last day to contest a delivered scheda (None before delivery)."""
    if scheda.delivered_at is None:
        return None
    return timezone.localdate(scheda.delivered_at) + dt.timedelta(days=scheda.scheme.contest_days)


def scheda_propose(*, user, scheda: Scheda, expected_version: int | None = None) -> Scheda:
    _require_evaluator(user, scheda)
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        _check_version(scheda, expected_version)
        if scheda.state != SchedaState.DRAFT:
            raise _illegal(scheda, SchedaState.PROPOSED)
        if scheda.is_eligible and scheda.total_points is None:
            raise ServiceError(
                f"La scheda di {scheda.person} non è ancora valutata: assegna i punteggi prima "
                "di proporla.",
                field="items",
            )
        _move(user, scheda, SchedaState.PROPOSED, "scheda.propose")
    _sync(original, scheda)
    return scheda


def scheda_record_interview(
    *, user, scheda: Scheda, date: dt.date, notes: str, expected_version: int | None = None
) -> Scheda:
    _require_evaluator(user, scheda)
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        _check_version(scheda, expected_version)
        if scheda.state != SchedaState.PROPOSED:
            raise _illegal(scheda, SchedaState.INTERVIEW)
        if not isinstance(date, dt.date):
            raise ServiceError("La data del colloquio è obbligatoria.", field="date")
        if date > timezone.localdate():
            raise ServiceError(
                f"La data del colloquio ({date_it(date)}) non può essere futura.", field="date"
            )
        if date.year < scheda.cycle.year:
            raise ServiceError(
                f"La data del colloquio ({date_it(date)}) precede l'anno valutato "
                f"({scheda.cycle.year}).",
                field="date",
            )
        before = state_of(scheda)
        scheda.interview_date = date
        scheda.interview_notes = clean_text(notes)
        _move(user, scheda, SchedaState.INTERVIEW, "scheda.interview", before=before)
    _sync(original, scheda)
    return scheda


def scheda_deliver(*, user, scheda: Scheda, expected_version: int | None = None) -> Scheda:
    _require_evaluator(user, scheda)
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        _check_version(scheda, expected_version)
        if scheda.state != SchedaState.INTERVIEW:
            raise _illegal(scheda, SchedaState.DELIVERED)
        before = state_of(scheda)
        scheda.delivered_at = timezone.now()
        _move(user, scheda, SchedaState.DELIVERED, "scheda.deliver", before=before)
    _sync(original, scheda)
    return scheda


def scheda_acknowledge(*, user, scheda: Scheda) -> Scheda:
    """The evaluated person's signature «per presa visione»."""
    _require_evaluated(user, scheda, "firmare per presa visione")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        if scheda.state != SchedaState.DELIVERED:
            raise _illegal(scheda, SchedaState.ACKNOWLEDGED)
        before = state_of(scheda)
        scheda.acknowledged_at = timezone.now()
        _move(user, scheda, SchedaState.ACKNOWLEDGED, "scheda.acknowledge", before=before)
    _sync(original, scheda)
    return scheda


def scheda_contest(*, user, scheda: Scheda, reason: str) -> Scheda:
    """The evaluated person contests the scheda within the scheme's days from delivery."""
    _require_evaluated(user, scheda, "contestare")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        if scheda.state != SchedaState.DELIVERED:
            raise _illegal(scheda, SchedaState.CONTESTED)
        reason = required_text(reason, "Indica i motivi della contestazione.", "reason")
        deadline = contest_deadline(scheda)
        if deadline is not None and timezone.localdate() > deadline:
            raise ServiceError(
                f"Il termine per contestare è scaduto il {date_it(deadline)}.", field="reason"
            )
        before = state_of(scheda)
        Conciliation.objects.filter(scheda=scheda).delete()
        conciliation = Conciliation.objects.create(
            scheda=scheda,
            requested_at=timezone.now(),
            request_text=reason,
            previous_points=scheda.total_points,
        )
        _move(
            user,
            scheda,
            SchedaState.CONTESTED,
            "scheda.contest",
            note=reason,
            before=before,
            extra={"conciliation": [None, state_of(conciliation)]},
        )
    _sync(original, scheda)
    return scheda


def conciliation_schedule(
    *, user, scheda: Scheda, meeting_date: dt.date, notes: str = ""
) -> Scheda:
    """Open (or reschedule) the conciliation of a contested scheda."""
    _require_supervisor(user, scheda, "Conciliazione")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        conciliation = Conciliation.objects.select_for_update().filter(scheda=scheda).first()
        decided = conciliation is not None and bool(conciliation.outcome)
        if scheda.state not in {SchedaState.CONTESTED, SchedaState.CONCILIATION} or decided:
            raise _illegal(scheda, SchedaState.CONCILIATION)
        if not isinstance(meeting_date, dt.date):
            raise ServiceError("La data dell'incontro è obbligatoria.", field="meeting_date")
        requested = timezone.localdate(conciliation.requested_at)
        if meeting_date < requested:
            raise ServiceError(
                f"La data dell'incontro ({date_it(meeting_date)}) precede la contestazione "
                f"({date_it(requested)}).",
                field="meeting_date",
            )
        before_c = state_of(conciliation)
        conciliation.meeting_date = meeting_date
        conciliation.meeting_notes = clean_text(notes)
        conciliation.save()
        extra = {"conciliation": diff(before_c, state_of(conciliation))}
        if scheda.state == SchedaState.CONTESTED:
            _move(
                user,
                scheda,
                SchedaState.CONCILIATION,
                "conciliation.schedule",
                note=f"Incontro il {date_it(meeting_date)}.",
                extra=extra,
            )
        else:
            scheda.version += 1
            scheda.save()
            audit(user, "conciliation.reschedule", scheda, scheda.cycle.ente, extra)
    _sync(original, scheda)
    return scheda


def conciliation_decide(
    *,
    user,
    scheda: Scheda,
    outcome: str,
    outcome_text: str,
    decided_by: str,
    new_points: Any = None,
) -> Scheda:
    """Record the outcome; a modified evaluation is re-banded with the new points."""
    _require_supervisor(user, scheda, "Conciliazione")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        conciliation = Conciliation.objects.select_for_update().filter(scheda=scheda).first()
        if scheda.state != SchedaState.CONCILIATION or conciliation is None:
            raise ServiceError(
                f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
                "l'esito si registra durante la conciliazione.",
                field="state",
                code="state",
            )
        if conciliation.outcome:
            raise ServiceError(
                f"La conciliazione della scheda di {scheda.person} è già decisa "
                f"({conciliation.get_outcome_display().lower()}).",
                field="outcome",
            )
        if outcome not in Conciliation.Outcome.values:
            raise ServiceError(f"Esito: valore «{outcome}» non previsto.", field="outcome")
        outcome_text = required_text(
            outcome_text, "Indica la motivazione dell'esito.", "outcome_text"
        )
        decided_by = required_text(
            decided_by, "Indica chi ha deciso la conciliazione.", "decided_by"
        )
        points = parse_decimal(new_points, label="Nuovo punteggio", field="new_points", places=2)
        scheme = scheda.scheme
        before = state_of(scheda)
        before_c = state_of(conciliation)
        if outcome == Conciliation.Outcome.MODIFIED:
            if points is None:
                raise ServiceError(
                    "Con la valutazione modificata indica il nuovo punteggio.", field="new_points"
                )
            if not ZERO <= points <= scheme.max_points:
                raise ServiceError(
                    f"Il nuovo punteggio deve essere tra 0 e {number_it(scheme.max_points)} "
                    f"(indicato {decimal_it(points)}).",
                    field="new_points",
                )
            bands = list(ScoreBand.objects.filter(scheme=scheme))
            band, premium, negative = classify(scheme, bands, points)
            scheda.total_points = points
            scheda.band = band
            scheda.premium_percent = premium
            scheda.is_negative = negative
            conciliation.new_points = points
        elif points is not None:
            raise ServiceError(
                "Il nuovo punteggio si indica solo se la valutazione è modificata.",
                field="new_points",
            )
        conciliation.outcome = outcome
        conciliation.outcome_text = outcome_text
        conciliation.decided_by = decided_by
        conciliation.decided_at = timezone.now()
        conciliation.save()
        scheda.version += 1
        scheda.save()
        changes = diff(before, state_of(scheda))
        changes["conciliation"] = diff(before_c, state_of(conciliation))
        audit(user, "conciliation.decide", scheda, scheda.cycle.ente, changes)
    _sync(original, scheda)
    return scheda


def scheda_finalise(*, user, scheda: Scheda) -> Scheda:
    """Make a scheda final: after the presa visione, after the conciliation's outcome, or once
    the contest deadline has passed without a contest."""
    _require_supervisor(user, scheda, "Chiusura della scheda")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        if scheda.state == SchedaState.DELIVERED:
            deadline = contest_deadline(scheda)
            if deadline is not None and timezone.localdate() <= deadline:
                raise ServiceError(
                    f"La scheda di {scheda.person} è consegnata e il termine per contestare "
                    f"scade il {date_it(deadline)}: diventa definitiva dopo la presa visione o "
                    "dopo quella data.",
                    field="state",
                    code="state",
                )
            note = f"Termine per contestare scaduto il {date_it(deadline)} senza contestazione."
        elif scheda.state == SchedaState.CONCILIATION:
            conciliation = Conciliation.objects.filter(scheda=scheda).first()
            if conciliation is None or not conciliation.outcome:
                raise ServiceError(
                    f"La conciliazione della scheda di {scheda.person} non è ancora decisa.",
                    field="state",
                    code="state",
                )
            note = f"Esito della conciliazione: {conciliation.get_outcome_display().lower()}."
        elif scheda.state == SchedaState.ACKNOWLEDGED:
            note = ""
        else:
            raise _illegal(scheda, SchedaState.FINAL)
        before = state_of(scheda)
        scheda.finalised_at = timezone.now()
        _move(user, scheda, SchedaState.FINAL, "scheda.finalise", note=note, before=before)
    _sync(original, scheda)
    return scheda


# The rules of the apps above appraisal that may forbid reopening a scheda (rewards: a scheda
# paid by a final distribution). Each returns the Italian reason, or "" when it has nothing
# against; the apps register them in their `AppConfig.ready()`, so appraisal imports none.
REOPEN_GUARDS: list[Callable[[Scheda], str]] = []


def scheda_reopen(*, user, scheda: Scheda, to_state: str, reason: str) -> Scheda:
    """Take a scheda back to an earlier state, with its reason (a recorded reopening)."""
    _require_supervisor(user, scheda, "Riapertura della scheda")
    original = scheda
    with transaction.atomic():
        scheda = _lock(scheda)
        if to_state not in REOPEN_TARGETS:
            raise ServiceError(
                f"Una scheda si riapre solo in bozza, proposta, colloquio svolto o consegnata, "
                f"non in «{state_label(to_state)}».",
                field="to_state",
            )
        if STATE_ORDER.index(SchedaState(to_state)) >= STATE_ORDER.index(SchedaState(scheda.state)):
            raise ServiceError(
                f"La scheda di {scheda.person} è nello stato «{state_label(scheda.state)}»: "
                f"non si riapre a «{state_label(to_state)}», che non è uno stato precedente.",
                field="to_state",
            )
        reason = required_text(reason, "Indica il motivo della riapertura.", "reason")
        for guard in REOPEN_GUARDS:
            if problem := guard(scheda):
                raise ServiceError(problem, code="frozen")
        before = state_of(scheda)
        target = STATE_ORDER.index(SchedaState(to_state))
        extra: dict[str, Any] = {}
        if target < STATE_ORDER.index(SchedaState.INTERVIEW):
            scheda.interview_date = None
            scheda.interview_notes = ""
        if target < STATE_ORDER.index(SchedaState.DELIVERED):
            scheda.delivered_at = None
        else:
            scheda.delivered_at = timezone.now()  # delivered again: a new contest period
        scheda.acknowledged_at = None
        scheda.finalised_at = None
        conciliation = Conciliation.objects.filter(scheda=scheda).first()
        if conciliation is not None:
            extra["conciliation"] = [state_of(conciliation), None]
            conciliation.delete()
        _move(
            user,
            scheda,
            to_state,
            "scheda.reopen",
            note=reason,
            reopening=True,
            before=before,
            extra=extra,
        )
    _sync(original, scheda)
    return scheda
