"""Background work of the import wizard (django-tasks; `manage.py db_worker` runs it).

The tasks take ids, not objects, and report their progress on the `ImportBatch` row, which the
wizard page polls. A refused import leaves the batch «non riuscito» with the reason.
"""

from __future__ import annotations

import logging

from django_tasks import task

from accounts.models import User
from core.exceptions import ServiceError
from organization.models import Ente
from payments import services
from payments.models import BatchState, ImportBatch

logger = logging.getLogger(__name__)


def _user(user_id: int | None):
    return User.objects.filter(pk=user_id).first() if user_id else None


@task()
def analyse_batch(batch_id: int, user_id: int | None = None) -> str:
    batch = ImportBatch.objects.select_related("ente", "source").get(pk=batch_id)
    try:
        services.batch_analyse(user=_user(user_id), batch=batch)
    except ServiceError as exc:
        return exc.message
    return batch.state


@task()
def commit_batch(batch_id: int, user_id: int | None = None) -> str:
    batch = ImportBatch.objects.select_related("ente", "source").get(pk=batch_id)
    try:
        services.batch_commit(user=_user(user_id), batch=batch)
    except ServiceError as exc:
        return exc.message
    except Exception:
        logger.exception("Importazione %s non riuscita", batch_id)
        ImportBatch.objects.filter(pk=batch_id).exclude(state=BatchState.DONE).update(
            state=BatchState.FAILED, message="Errore imprevisto: nulla è stato importato."
        )
        raise
    return batch.state


@task()
def recompute_reports(ente_id: int) -> str:
    """Recompute every figure of an ente (after a change of the rules or of a snapshot)."""
    ente = Ente.objects.get(pk=ente_id)
    services.reports_recompute(ente=ente)
    return "ok"
