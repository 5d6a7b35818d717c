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


def suppress_group(counts: Sequence[int], *, limit: int | None = None) -> Suppressed:
    """The counts of one group, all withheld when any of them is small but not zero."""
    limit = threshold() if limit is None else limit
    if limit > 1 and any(0 < count < limit for count in counts):
        return Suppressed([None] * len(counts), True, reason_text(limit))
    return Suppressed(list(counts), False, "")
