"""Who may generate, read and publish which document.

* General documents of the cycle (Piano, Portale PIAO, monitoring, Relazione, SMVP, the
  aggregate premium tables): every role of the ente reads and generates them.
* The Nucleo's documents (validazione, accompagnamento): the Nucleo and the admin; everyone of
  the ente reads them once generated.
* A scheda: whoever `appraisal.access.can_view_scheda` allows (the person, the evaluator chain,
  the Nucleo, the admin).
* The per-person premium table: who may read a distribution with names (admin, Nucleo).
* Publishing in Amministrazione Trasparente, the stemma, the shape of the Piano: the admin.
"""

from __future__ import annotations

from accounts.access import ADMIN, NUCLEO, EnteAccess
from appraisal import access as appraisal_access
from appraisal.models import Scheda
from rewards import access as rewards_access

GENERAL = frozenset({"piano", "portale", "monitoraggio", "relazione", "smvp", "premi_aggregati"})
NUCLEO_DOCUMENTS = frozenset({"validazione", "accompagnamento"})


def can_manage(access: EnteAccess) -> bool:
    return access.has(ADMIN)


def can_record_validation(access: EnteAccess) -> bool:
    return access.has(NUCLEO, ADMIN)


def _scheda_allowed(access: EnteAccess, cycle, person) -> bool:
    if person is None:
        return access.has(ADMIN, NUCLEO)
    scheda = Scheda.objects.filter(cycle=cycle, person=person).select_related("cycle").first()
    if scheda is None:
        return access.has(ADMIN, NUCLEO) or person.pk in access.person_ids
    return appraisal_access.can_view_scheda(access, scheda)


def can_generate(access: EnteAccess, kind: str, cycle, person=None) -> bool:
    if cycle.ente_id != access.ente.pk:
        return False
    if kind in GENERAL:
        return True
    if kind in NUCLEO_DOCUMENTS:
        return access.has(NUCLEO, ADMIN)
    if kind == "scheda":
        return _scheda_allowed(access, cycle, person)
    if kind == "premi":
        return rewards_access.can_read_distribution(access)
    return False


def can_read(access: EnteAccess, document) -> bool:
    if document.cycle.ente_id != access.ente.pk:
        return False
    if document.kind in NUCLEO_DOCUMENTS:
        return True
    return can_generate(access, document.kind, document.cycle, document.person)
