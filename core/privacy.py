"""Small-group suppression: counts that would disclose a person's evaluation are not shown.

Aggregates of the schede are shown to roles who may not see the individual schede (the Giunta,
responsabili, citizens on the transparency pages, other systems through the API). A scheme with
two schede in one band and none elsewhere tells everyone each person's band; so, for each group
(the bands of one scheme), when any non-zero count is below the threshold every count of the
group is withheld — withholding one cell only would let it be computed from the total.
The threshold is `PERFORMA_SMALL_GROUP_THRESHOLD` (default 3; 0 or 1 disables suppression).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.conf import settings

DEFAULT_THRESHOLD = 3


def threshold() -> int:
    return int(getattr(settings, "PERFORMA_SMALL_GROUP_THRESHOLD", DEFAULT_THRESHOLD))


@dataclass(frozen=True)
class Suppressed:
    counts: list[int | None]  # None where withheld
    suppressed: bool
    reason: str


def reason_text(limit: int) -> str:
    return (
        f"Conteggi non mostrati: il gruppo ha meno di {limit} schede in almeno una fascia, e "
        "mostrarli permetterebbe di risalire alla valutazione delle singole persone."
    )


def too_small(count: int, *, limit: int | None = None) -> bool:
    """Whether a figure computed from `count` people (a mean, a minimum, a maximum) would
    disclose them: more than none but fewer than the threshold."""
    limit = threshold() if limit is None else limit
    return limit > 1 and 0 < count < limit


def suppress_group(counts: Sequence[int], *, limit: int | None = None) -> Suppressed:
    """The counts of one group, all withheld when any of them is small but not zero."""
    limit = threshold() if limit is None else limit
    if any(too_small(count, limit=limit) for count in counts):
        return Suppressed([None] * len(counts), True, reason_text(limit))
    return Suppressed(list(counts), False, "")


@dataclass(frozen=True)
class ShownBand:
    band: object  # appraisal.selectors.BandCount
    count: int | None  # None when withheld


@dataclass(frozen=True)
class ShownAggregates:
    bands: list[ShownBand]
    negatives: int | None
    mean_withheld: bool
    suppressed_schemes: list[str]
    reason: str
    limit: int


def shown_aggregates(aggregates, *, sees_individuals: bool) -> ShownAggregates:
    """The aggregates of the schede as a role may see them: whoever may not read the
    individual schede gets the small groups withheld (per scheme), and the number of negative
    evaluations and the mean only when they come from enough schede."""
    limit = threshold() if not sees_individuals else 0
    by_scheme: dict[str, list] = {}
    for band in aggregates.bands:
        by_scheme.setdefault(band.scheme_name, []).append(band)
    shown: list[ShownBand] = []
    withheld: list[str] = []
    for name, bands in by_scheme.items():
        result = suppress_group([b.count for b in bands], limit=limit)
        if result.suppressed:
            withheld.append(name)
        shown.extend(ShownBand(b, c) for b, c in zip(bands, result.counts, strict=True))
    return ShownAggregates(
        bands=shown,
        negatives=None if too_small(aggregates.negatives, limit=limit) else aggregates.negatives,
        mean_withheld=too_small(aggregates.scored, limit=limit),
        suppressed_schemes=withheld,
        reason=reason_text(limit) if limit > 1 else "",
        limit=limit,
    )
