"""Template filters of the plan pages."""

from __future__ import annotations

from django import template

from planning import formatting

register = template.Library()


@register.filter
def pct(value) -> str:
    """A weight or percentage with two decimals, Italian style: `11,11`."""
    return formatting.decimal_it(value, 2)


@register.filter
def num(value) -> str:
    """A value with only the decimals it needs: `1.700`, `60,36`."""
    return formatting.number_it(value)


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def target_text(target) -> str:
    return formatting.target_label(target)


@register.filter
def target_for(indicator, year):
    """The target of `indicator` for `year`, from the prefetched targets."""
    for target in indicator.targets.all():
        if target.year == year:
            return target
    return None


@register.filter
def tag_names(tags, labels) -> str:
    return ", ".join(labels.get(tag, tag) for tag in tags or [])
