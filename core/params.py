"""What a page reads from its query string: the ids of its filters, its page number, its year.

`int_param` is the reader of a number in the address («?unita=12»): a value that is missing or
not a whole number is no filter (None), never an error. `chosen_year` is the year picker of the
pages that show one year at a time (`?anno=2024`): a year the ente has no data for is a 404 with
an Italian message, no year is the page's own default. `planning.selectors.chosen_cycle` is the
same picker over the cycles of an ente.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.http import Http404


def int_param(value: Any) -> int | None:
    """A whole number from the query string, or None when missing or not a number."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def chosen_year(
    raw: Any,
    years: Collection[int],
    *,
    default: int | None,
    missing: str = "Nessun dato per l'anno {year}.",
) -> int | None:
    """The year asked for (`raw`, the text of `?anno=`) when it is one of `years`; a 404 with
    `missing` («{year}» stands for it) when it is not; `default` when none is asked for."""
    year = int_param(raw)
    if year is None:
        return default
    if year not in years:
        raise Http404(missing.format(year=year))
    return year
