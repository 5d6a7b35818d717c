"""Which parts of a multi-year plan belong to which year.

A cycle holds the plan of its horizon (e.g. a triennial PIAO 2024-2026 in the 2024 cycle); its
objectives, weight groups and targets carry the years they belong to. The cycle of a year
scores, monitors and reports only what belongs to that year:

* a weight group belongs to the years it lists, or to every year when it lists none;
* an objective belongs to the years it lists; one that lists none takes its weight group's
  years, and without those it belongs to every year of the plan;
* an indicator belongs to a year when its objective (if any) does and it has a target for that
  year, or no target at all (then the missing target shows as a defect of the plan).

Preparing the next year's cycle carries forward the rows that still belong to it, with their
years, and moves the years of the others (see `carried_years`).

Plain functions over rows already loaded: no queries here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence


def normal_years(years: Iterable[int] | None) -> list[int]:
    """Distinct years in ascending order (None and [] both mean «every year»)."""
    return sorted({int(year) for year in years or ()})


def belongs(years: Sequence[int] | None, year: int) -> bool:
    """Whether a row listing `years` belongs to `year` (no years: every year)."""
    return not years or int(year) in {int(y) for y in years}


def objective_years(
    objective_years: Sequence[int] | None, group_years: Sequence[int] | None
) -> list[int]:
    """The years an objective belongs to: its own, else its weight group's ([] = every year)."""
    return normal_years(objective_years) or normal_years(group_years)


def objective_belongs(objective, year: int, group_years: Mapping[int, Sequence[int]]) -> bool:
    """Whether `objective` belongs to `year`; `group_years` maps weight group ids to years."""
    inherited = group_years.get(objective.weight_group_id) if objective.weight_group_id else None
    return belongs(objective_years(objective.years, inherited), year)


def indicator_belongs(target_years: Iterable[int], year: int) -> bool:
    """An indicator with targets belongs to the years it has targets for; one without any
    belongs to every year (its missing target is the plan's defect to show)."""
    listed = set(target_years)
    return not listed or int(year) in listed


def carried_years(years: Sequence[int] | None, new_year: int, shift: int) -> tuple[list[int], bool]:
    """The years of a row copied into the cycle of `new_year`, and whether it is carried forward.

    A row listing `new_year` or a later year (a multi-year objective of 2025-2026 copied into
    2026) keeps those years: it is the same objective, carried into the next cycle. A row whose
    years are all past (an objective of 2025 only) is proposed again for the years moved by
    `shift`. A row of every year stays so.
    """
    listed = normal_years(years)
    if not listed:
        return [], False
    ahead = [year for year in listed if year >= int(new_year)]
    if ahead:
        return ahead, True
    return [year + int(shift) for year in listed], False


def years_label(years: Sequence[int] | None) -> str:
    """«2021-2022», «2020, 2022», «2024»; '' for every year."""
    listed = normal_years(years)
    if not listed:
        return ""
    if len(listed) > 1 and listed == list(range(listed[0], listed[-1] + 1)):
        return f"{listed[0]}-{listed[-1]}"
    return ", ".join(str(year) for year in listed)
