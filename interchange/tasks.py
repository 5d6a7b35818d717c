"""Background work of the plan import (django-tasks; `manage.py db_worker` runs it).

The task takes ids, not objects, and reports its progress on the `PlanImport` row, which the
preview page polls. A refused import is left «non riuscito» with the reason.
"""

from __future__ import annotations

from django_tasks import task

from accounts.models import User
from interchange.models import PlanImport
from interchange.plans import services


@task()
def commit_plan_import(import_id: int, user_id: int | None = None) -> str:
    item = PlanImport.objects.select_related("ente").get(pk=import_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    services.plan_import_run(user=user, plan_import=item)
    return item.state
