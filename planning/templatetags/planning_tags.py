"""Template filters of the plan pages (numbers: the builtins of `core.templatetags.formatting`)."""

from __future__ import annotations

from django import template

from planning import formatting

register = template.Library()


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
