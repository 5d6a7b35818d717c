"""Django admin for individual evaluation: read-only, for the platform ICT. Users work in the
product UI, where every change goes through the services, the transitions and the audit trail."""

from django.contrib import admin

from appraisal.models import (
    Behaviour,
    Conciliation,
    EvaluationScheme,
    Scheda,
    SchedaTransition,
    SchedaView,
)
from core.admin import ReadOnlyAdmin


@admin.register(Behaviour)
class BehaviourAdmin(ReadOnlyAdmin):
    list_display = ("name", "ente", "key", "is_differentiation_capacity")
    list_filter = ("ente",)


@admin.register(EvaluationScheme)
class EvaluationSchemeAdmin(ReadOnlyAdmin):
    list_display = ("name", "cycle", "is_managerial", "evaluator_kind", "max_points")
    list_filter = ("cycle__ente",)


@admin.register(Scheda)
class SchedaAdmin(ReadOnlyAdmin):
    # Names and scores are personal data: the list shows the workflow, not the judgement.
    list_display = ("cycle", "scheme", "state", "is_eligible")
    list_filter = ("state", "cycle__ente")
    exclude = ("self_evaluation_text", "evaluator_notes", "interview_notes")


@admin.register(SchedaTransition)
class SchedaTransitionAdmin(ReadOnlyAdmin):
    list_display = ("scheda", "from_state", "to_state", "is_reopening", "by", "at")


@admin.register(Conciliation)
class ConciliationAdmin(ReadOnlyAdmin):
    list_display = ("scheda", "requested_at", "meeting_date", "outcome", "decided_at")


@admin.register(SchedaView)
class SchedaViewAdmin(ReadOnlyAdmin):
    list_display = ("scheda", "user", "viewed_at")
