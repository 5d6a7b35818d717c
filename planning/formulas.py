"""Formulas of computed indicators, as the plan holds them.

A computed indicator has a `formula_expression` over the names of the ente's parameters and of
the cycle's indicators (a key's «-» is written «_»: `n-depositi` → `n_depositi`). The engine
parses and evaluates it (`engine.formula`); here the plan checks that a formula names only what
exists and does not call itself, before it is saved.
"""

from __future__ import annotations

from decimal import Decimal

from engine import formula as ef
from organization.models import Parameter
from planning.models import Cycle, Indicator


def formula_expression(indicator: Indicator) -> str:
    """The machine formula of a computed indicator ('' for an indicator measured by hand)."""
    return (getattr(indicator, "formula_expression", "") or "").strip()


def is_computed(indicator: Indicator) -> bool:
    return bool(formula_expression(indicator))


def formula_name(key: str) -> str:
    """The name a formula uses for a parameter or an indicator key: «n-depositi» → «n_depositi»."""
    return key.replace("-", "_").lower()


def formula_names_available(cycle: Cycle) -> set[str]:
    """The names a formula of the cycle may use: parameters of the ente and indicator keys."""
    names = {
        formula_name(key)
        for key in Parameter.objects.filter(unit__ente_id=cycle.ente_id).values_list(
            "key", flat=True
        )
    }
    names |= {
        formula_name(key)
        for key in Indicator.objects.filter(cycle=cycle).values_list("key", flat=True)
    }
    return names


def validate_formula(cycle: Cycle, text: str, *, indicator: Indicator | None = None) -> list[str]:
    """Italian messages for everything wrong with a formula ([] when it is fine).

    Checks the syntax, that every name exists (a parameter of the ente or an indicator of the
    cycle, not the indicator itself), that no chain of computed indicators leads back to
    `indicator`, and that the formula does not divide by a constant zero.
    """
    text = (text or "").strip()
    if not text:
        return []
    try:
        expression = ef.parse(text)
    except ef.FormulaError as exc:
        return [f"Formula non valida: {exc}."]
    own = formula_name(indicator.key) if indicator is not None else None
    messages = _unknown_names(cycle, expression, own)
    if own is not None and not messages:
        loop = _formula_loop(cycle, own, expression)
        if loop:
            messages.append(f"Le formule si richiamano in cerchio: {' → '.join(loop)}.")
    if not messages:
        messages = _constant_zero_division(expression)
    return messages


def _unknown_names(cycle: Cycle, expression: ef.Expression, own: str | None) -> list[str]:
    messages: list[str] = []
    available = formula_names_available(cycle)
    for name in sorted(expression.names()):
        if name == own:
            messages.append(f"La formula non può usare l'indicatore stesso («{name}»).")
        elif name not in available:
            messages.append(
                f"Nome sconosciuto «{name}»: non è un parametro dell'ente né un indicatore del "
                f"piano {cycle.year}."
            )
    return messages


def _constant_zero_division(expression: ef.Expression) -> list[str]:
    """Distinct, non-round sample values: only a divisor that is zero whatever the data (a
    literal 0, «a − a») fails here."""
    samples = {
        name: Decimal(1) + Decimal(index + 1) / Decimal(7)
        for index, name in enumerate(sorted(expression.names()))
    }
    try:
        expression.evaluate(samples)
    except ef.FormulaError as exc:
        return [f"Formula non valida: {exc}."]
    return []


def _formula_loop(cycle: Cycle, own: str, expression: ef.Expression) -> list[str]:
    formulas: dict[str, ef.Expression] = {}
    for indicator in Indicator.objects.filter(cycle=cycle):
        text = formula_expression(indicator)
        if not text:
            continue
        try:
            formulas[formula_name(indicator.key)] = ef.parse(text)
        except ef.FormulaError:
            continue
    formulas[own] = expression
    stack: list[tuple[str, list[str]]] = [(name, [own, name]) for name in expression.names()]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        if name == own:
            return path
        if name in seen or name not in formulas:
            continue
        seen.add(name)
        stack.extend((child, [*path, child]) for child in formulas[name].names())
    return []
