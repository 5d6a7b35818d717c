"""The query-string readers of the pages: `?anno=` and the ids of the filters."""

from __future__ import annotations

import pytest
from django.http import Http404

from core.params import chosen_year, int_param
from planning.models import Cycle, CycleState
from planning.selectors import chosen_cycle


def test_int_param_is_none_for_what_is_not_a_whole_number():
    assert int_param("12") == 12
    assert int_param(7) == 7
    for raw in (None, "", "abc", "1,5", "2024.0"):
        assert int_param(raw) is None


def test_chosen_year_is_the_default_a_known_year_or_a_404():
    years = [2025, 2024]
    assert chosen_year(None, years, default=2024) == 2024
    assert chosen_year("abc", years, default=None) is None
    assert chosen_year("2025", years, default=2024) == 2025
    with pytest.raises(Http404, match="Niente per il 2019"):
        chosen_year("2019", years, default=2024, missing="Niente per il {year}.")


def cycle(ente, year: int, **fields) -> Cycle:
    return Cycle.objects.create(
        ente=ente, year=year, first_year=year, last_year=year + 2, title=f"Piano {year}", **fields
    )


def test_chosen_cycle_picks_the_year_the_default_or_404(make_ente):
    ente = make_ente()
    other = make_ente("altro-ente")
    old = cycle(ente, 2023, state=CycleState.APPROVED)
    new = cycle(ente, 2024)
    cycle(other, 2022)
    assert chosen_cycle(ente, None) == (new, [new, old])
    assert chosen_cycle(ente, "2023")[0] == old
    assert chosen_cycle(ente, "", default=lambda cycles: cycles[-1])[0] == old
    assert chosen_cycle(ente, None, states=[CycleState.APPROVED]) == (old, [old])
    with pytest.raises(Http404, match="Nessun ciclo per l'anno 2022"):
        chosen_cycle(ente, "2022")
    with pytest.raises(Http404, match="Nessun piano approvato per l'anno 2024"):
        chosen_cycle(
            ente,
            2024,
            states=[CycleState.APPROVED],
            missing="Nessun piano approvato per l'anno {year}.",
        )
