"""The behaviours dictionary, the evaluation schemes, their components and score bands."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import DecimalField, Model

from appraisal.models import (
    Behaviour,
    BehaviourConversion,
    ComponentKind,
    EvaluationScheme,
    EvaluatorKind,
    Prevalence,
    Scheda,
    SchemeBehaviour,
    SchemeComponent,
    ScoreBand,
)
from appraisal.services._common import (
    ENGINE_KIND,
    HUNDRED,
    SCHEME_LABEL_FIELDS,
    WEIGHT_TOLERANCE,
    ZERO,
    _require_admin,
    _set_key,
)
from core.audit import audit, diff, state_of
from core.exceptions import ServiceError
from core.parsing import (
    clean_text,
    free_key,
    parse_decimal,
    parse_flag,
    parse_integer,
    parse_key,
    required_decimal,
    required_text,
)
from engine import appraisal as ea
from engine.config import ConfigError
from organization.models import (
    CcnlArea,
    Ente,
    LegacyCategory,
    Role,
)
from planning.formatting import decimal_it, number_it
from planning.models import Cycle

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


# The scheme's fields chosen from a list: (field, its choices, the label in messages).
SCHEME_CHOICES = (
    ("evaluator_kind", EvaluatorKind.values, "Valutatore"),
    ("behaviour_conversion", BehaviourConversion.values, "Conversione dei voti"),
    ("prevalence", Prevalence.values, "Prevalenza"),
)


def _clean_scheme(data: dict[str, Any], cycle: Cycle, instance: EvaluationScheme | None) -> dict:
    values: dict[str, Any] = {}
    if "name" in data or instance is None:
        values["name"] = required_text(
            data.get("name"), "La denominazione del modello è obbligatoria.", "name"
        )
    _scheme_choices(data, values)
    _scheme_numbers(data, values)
    _check_scheme_bounds(values, instance)
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


def _scheme_choices(data: dict[str, Any], values: dict[str, Any]) -> None:
    """Roles, categories, the flags and the fields chosen from a list."""
    if "roles" in data:
        values["roles"] = _clean_list(data["roles"], Role.values, "Ruoli", "roles")
    if "categories" in data:
        values["categories"] = _clean_list(
            data["categories"], CATEGORY_VALUES, "Aree / categorie", "categories"
        )
    for name in ("is_managerial", "self_evaluation"):
        if name in data:
            values[name] = parse_flag(data[name])
    for name, choices, label in SCHEME_CHOICES:
        if name in data:
            if data[name] not in choices:
                raise ServiceError(f"{label}: valore «{data[name]}» non previsto.", field=name)
            values[name] = data[name]


def _scheme_numbers(data: dict[str, Any], values: dict[str, Any]) -> None:
    """The maximum, the behaviour scale, the days, the negative threshold and the order."""
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
    for name, label, low, high in (
        ("behaviour_scale_min", "Scala dei comportamenti: minimo", 0, 100),
        ("behaviour_scale_max", "Scala dei comportamenti: massimo", 0, 100),
        ("contest_days", "Giorni per contestare", 1, 365),
        ("minimum_service_days", "Servizio minimo nell'anno (giorni)", 0, 366),
    ):
        if name in data:
            values[name] = parse_integer(data[name], label=label, field=name, low=low, high=high)
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


def _check_scheme_bounds(values: dict[str, Any], instance: EvaluationScheme | None) -> None:
    """The scale's minimum below its maximum and the negative threshold within the points,
    with the values given or, for those not given, the scheme's own."""
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
        _add_behaviours(plan, raw_behaviours, ente, dictionary, used_behaviours, where)
        plans.append(plan)
    return plans


def _add_behaviours(
    plan: _ComponentPlan,
    raw_behaviours: list[Any],
    ente: Ente,
    dictionary: dict[int, Behaviour],
    used_behaviours: dict[int, str],
    where: str,
) -> None:
    """The component's behaviours from the dictionary, each in one component only, with
    weights for all of them (totalling 100) or for none."""
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
        used_behaviours[behaviour.pk] = plan.label
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
                f"{where}: i pesi dei comportamenti totalizzano {decimal_it(total)} invece di 100.",
                field="components",
            )


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


# A band as the services check it: (from points, to points, premium %, label).
_Band = tuple[Decimal, Decimal, Decimal, str]


def _band_row(scheme: EvaluationScheme, index: int, row: Any) -> _Band:
    """One band as typed, checked on its own: (from, to, premium %, label)."""
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
            f"Fascia {span}: i punteggi devono stare tra 0 e {number_it(scheme.max_points)}.",
            field="bands",
        )
    if not ZERO <= pct <= HUNDRED:
        raise ServiceError(
            f"Fascia {span}: il premio deve essere tra 0 e 100\u00a0% "
            f"(indicato {decimal_it(pct)}).",
            field="bands",
        )
    return low, high, pct, clean_text(row.get("label"))


def _band_rows(scheme: EvaluationScheme, bands: list[dict]) -> list[_Band]:
    """The bands checked one by one, then as a table (no overlap, 0 to the maximum)."""
    if not isinstance(bands, list | tuple) or not bands:
        raise ServiceError("Indica almeno una fascia di punteggio.", field="bands")
    rows = [_band_row(scheme, index, row) for index, row in enumerate(bands, start=1)]
    problems = _band_problems(_bands_engine(scheme, rows))
    if problems:
        raise ServiceError(" ".join(problems), field="bands")
    return rows


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
        rows = _band_rows(scheme, bands)
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
