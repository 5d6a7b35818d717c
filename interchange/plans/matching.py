"""Match the units and responsabili a file names to the ente's units and staff.

Names are compared folded (accents and case ignored) and without titles («dott.ssa», «arch.»)
or leading words such as «Area», «Servizio». An exact match is used as it is; a probable one
(one name contains the other, or they are nearly the same) is proposed and needs confirming;
a unit with no match is created on commit, a person with no match is kept as written only.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from interchange.plans.draft import PlanDraft
from organization.models import Ente, Person, Unit
from planning.target_text import fold

EXACT = "exact"
PROBABLE = "probable"
NONE = "none"

_TITLES = re.compile(
    r"\b(dott|dott\.ssa|dottssa|dr|ing|arch|geom|avv|rag|sig|sig\.ra|sigra|prof|p\.i|comandante)\b\.?",
    re.IGNORECASE,
)
_LEADING = re.compile(r"^(area|settore|servizio|servizi|ufficio|unita)\s+(di\s+|del\s+|dei\s+)?")


def unit_key(name: str) -> str:
    text = fold(name)
    text = re.sub(r"\(.*?\)", " ", text)
    text = re.sub(r"[^a-z0-9 ]+", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return _LEADING.sub("", text).strip()


def person_tokens(label: str) -> set[str]:
    text = re.sub(r"\(.*?\)", " ", fold(label))
    text = _TITLES.sub(" ", text)
    return set(re.findall(r"[a-z']+", text))


@dataclass
class Proposal:
    kind: str  # unit | person
    label: str  # as written in the file
    status: str
    candidate_id: int | None = None
    candidate_label: str = ""
    reason: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.label}"


def propose(draft: PlanDraft, ente: Ente) -> list[Proposal]:
    units = list(Unit.objects.filter(ente=ente).select_related("responsible"))
    people = list(Person.objects.filter(ente=ente))
    proposals: list[Proposal] = []
    seen: set[tuple[str, str]] = set()
    for objective in draft.valid_objectives():
        pairs = ((objective.area, "", "area"), (objective.unit, objective.peg_code, "servizio"))
        for label, peg, kind in pairs:
            if label and ("unit", label) not in seen:
                seen.add(("unit", label))
                proposals.append(match_unit(label, peg, units, kind=kind))
        if objective.responsible and ("person", objective.responsible) not in seen:
            seen.add(("person", objective.responsible))
            proposals.append(match_person(objective.responsible, people))
    for group in draft.groups.values():
        if group.responsible and ("person", group.responsible) not in seen:
            seen.add(("person", group.responsible))
            proposals.append(match_person(group.responsible, people))
    return proposals


def match_unit(label: str, peg_code: str, units: list[Unit], *, kind: str = "") -> Proposal:
    """An area named like a service («Area Polizia Locale», «Servizio Polizia Locale») is
    another unit: same name and kind is exact, same name of another kind only probable."""
    key = unit_key(label)
    if peg_code and peg_code.strip("-– "):
        for unit in units:
            if unit.peg_code and unit.peg_code.strip() == peg_code.strip():
                return Proposal("unit", label, EXACT, unit.pk, unit.name, "stesso centro di costo")
    same = [u for u in units if fold(u.name) == fold(label)]
    same = same or [u for u in units if unit_key(u.name) == key and (not kind or u.kind == kind)]
    if len(same) == 1:
        return Proposal("unit", label, EXACT, same[0].pk, same[0].name)
    best, score = None, 0.0
    for unit in units:
        other = unit_key(unit.name)
        if not other or not key:
            continue
        ratio = difflib.SequenceMatcher(None, key, other).ratio()
        if (key in other or other in key) and min(len(key), len(other)) >= 4:
            ratio = max(ratio, 0.9)
        if ratio > score:
            best, score = unit, ratio
    if best is not None and score >= 0.85:
        return Proposal("unit", label, PROBABLE, best.pk, best.name, "nome simile")
    return Proposal("unit", label, NONE, reason="nessuna unità con questo nome: sarà creata")


def match_person(label: str, people: list[Person]) -> Proposal:
    tokens = person_tokens(label)
    found = [
        person
        for person in people
        if person_tokens(person.first_name) | person_tokens(person.last_name) <= tokens
        and person_tokens(person.last_name)
    ]
    if len(found) == 1:
        return Proposal("person", label, EXACT, found[0].pk, str(found[0]))
    surname = [
        p for p in people if person_tokens(p.last_name) and person_tokens(p.last_name) <= tokens
    ]
    if len(surname) == 1:
        return Proposal("person", label, PROBABLE, surname[0].pk, str(surname[0]), "stesso cognome")
    return Proposal("person", label, NONE, reason="nessuna persona con questo nome: resta scritto")


def resolved(proposals: list[Proposal], confirmed: dict[str, str] | None) -> dict[str, int | None]:
    """label key → chosen id: exact matches, probable ones confirmed, choices made by hand.

    `confirmed` maps a proposal key to an id (as text), «new» (create / keep as written) or
    «accept» (the proposed candidate). Without `confirmed`, probable matches are accepted.
    """
    result: dict[str, int | None] = {}
    for proposal in proposals:
        choice = (confirmed or {}).get(proposal.key)
        if choice in (None, "", "accept"):
            accepted = proposal.status == EXACT or (
                proposal.status == PROBABLE and (confirmed is None or choice == "accept")
            )
            result[proposal.key] = proposal.candidate_id if accepted else None
        elif choice == "new":
            result[proposal.key] = None
        else:
            result[proposal.key] = int(choice)
    return result
