"""Template tags of the page chrome: the breadcrumb trail (`templates/includes/_breadcrumbs.html`).

They are template builtins (settings.TEMPLATES):

* ``{% trail label1 url1 label2 url2 ... as crumbs %}``: the links above the current page, as
  (label, url) pairs; a pair with an empty label or URL is left out, so optional levels need no
  ``{% if %}``; a list of pairs (from ``links``) among the parts is spliced in where it stands;
* ``{% links units "organization:unit" as more %}``: (name, URL) pairs of objects, one level
  each (e.g. the units above the current one);
* ``{% joined "Piano" cycle.year as label %}``: the non-empty parts joined by a space;
* ``{% query_url url anno=cycle.year as url %}``: the URL with the non-empty parameters.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django import template
from django.urls import reverse
from django.utils.http import urlencode

register = template.Library()


def _present(value: Any) -> bool:
    return value is not None and str(value).strip() != ""


@register.simple_tag
def trail(*parts: Any) -> list[tuple[str, str]]:
    crumbs: list[tuple[str, str]] = []
    pending: list[Any] = []
    for part in parts:
        if isinstance(part, list):
            if pending:
                raise template.TemplateSyntaxError("trail: un'etichetta senza indirizzo.")
            crumbs.extend(part)
            continue
        pending.append(part)
        if len(pending) == 2:
            label, url = pending
            pending = []
            if _present(label) and _present(url):
                crumbs.append((str(label), str(url)))
    if pending:
        raise template.TemplateSyntaxError("trail: ogni voce vuole un'etichetta e un indirizzo.")
    return crumbs


@register.simple_tag
def links(objects: Iterable[Any], url_name: str, label: str = "name") -> list[tuple[str, str]]:
    return [(str(getattr(obj, label)), reverse(url_name, args=[obj.pk])) for obj in objects or ()]


@register.simple_tag
def joined(*parts: Any) -> str:
    return " ".join(str(part) for part in parts if _present(part))


@register.simple_tag
def query_url(url: str, **params: Any) -> str:
    present = {name: value for name, value in params.items() if _present(value)}
    if not present:
        return url
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{urlencode(present)}"
