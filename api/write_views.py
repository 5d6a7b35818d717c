"""The API for the systems around Performa: push measurements, staff and absences; read scores
and the aggregates of the schede.

Writes go through the same services as the pages (`measurement_save`, `person_create`, …),
so every rule and every audit row applies; a token acts through its own service account and
needs the scope of the endpoint (integrations.authentication). `Idempotency-Key` makes a
retried push safe (integrations.idempotency).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from api.access import readable_cycle
from appraisal.selectors import aggregates
from core.exceptions import ServiceError
from core.privacy import suppress_group, threshold
from integrations.authentication import token_of
from integrations.idempotency import HEADER, idempotent
from integrations.models import Scope
from integrations.services import absence_upsert
from measurement.models import PeriodKind
from measurement.selectors import cycle_scores
from measurement.services import measurement_save
from organization.models import AbsenceKind, Ente, Person
from organization.services import person_create, person_update
from planning.models import Indicator

IDEMPOTENCY = OpenApiParameter(
    HEADER,
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Chiave scelta dal client: ripetere la richiesta con la stessa chiave non "
    "duplica la scrittura e restituisce la prima risposta.",
)
ERROR = inline_serializer(
    "Errore",
    {
        "detail": serializers.CharField(),
        "code": serializers.CharField(required=False),
        "field": serializers.CharField(required=False, allow_null=True),
    },
)


def _refusal(error: ServiceError) -> Response:
    code = status.HTTP_403_FORBIDDEN if error.code == "forbidden" else status.HTTP_400_BAD_REQUEST
    if error.code == "conflict":
        code = status.HTTP_409_CONFLICT
    return Response({"detail": error.message, "code": error.code, "field": error.field}, code)


class PushView(APIView):
    """Common ground of the push endpoints: the ente, idempotency, Italian throttling."""

    required_scope: str

    def ente(self, request) -> Ente:
        token = token_of(request)
        if token is not None:
            return token.ente
        ente = getattr(request, "ente", None)
        if ente is None:
            raise exceptions.ValidationError({"detail": "Scegli prima l'ente in cui lavorare."})
        return ente

    def post(self, request, *args, **kwargs):
        def handle() -> Response:
            serializer = self.serializer_class(data=request.data)
            if not serializer.is_valid():
                return Response(
                    {"detail": _first_error(serializer.errors), "errors": serializer.errors},
                    status=status.HTTP_400_BAD_REQUEST,
                )
            try:
                with transaction.atomic():
                    return self.push(request, self.ente(request), serializer.validated_data)
            except ServiceError as error:
                return _refusal(error)

        return idempotent(request, token_of(request), handle)


def _first_error(errors: Any) -> str:
    if isinstance(errors, dict):
        for field, value in errors.items():
            return f"{field}: {_first_error(value)}"
    if isinstance(errors, list) and errors:
        return _first_error(errors[0])
    return str(errors)


# --- measurements ------------------------------------------------------------------------------


class MeasurementPushSerializer(serializers.Serializer):
    indicator = serializers.IntegerField(min_value=1, max_value=2**53)
    period_end = serializers.DateField()
    period_kind = serializers.ChoiceField(choices=PeriodKind.choices, default=PeriodKind.POINT)
    value = serializers.CharField(max_length=40, required=False, allow_null=True, allow_blank=True)
    completed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    deviation_note = serializers.CharField(
        max_length=2000, required=False, allow_blank=True, default=""
    )


class MeasurementPush(PushView):
    """Push the value of an indicator for a period (from the accounting or protocol system).

    The value is text in the Italian way («1.700», «11,11») or a plain number («11.11» is
    refused as ambiguous by the Italian parser only when it could be a thousands separator).
    """

    required_scope = Scope.WRITE_MEASUREMENTS
    serializer_class = MeasurementPushSerializer

    @extend_schema(
        request=MeasurementPushSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: None, 201: None, 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def push(self, request, ente: Ente, data: dict) -> Response:
        indicator = (
            Indicator.objects.select_related("cycle__ente")
            .filter(pk=data["indicator"], cycle__ente=ente)
            .first()
        )
        if indicator is None:
            raise exceptions.NotFound("Indicatore non trovato in questo ente.")
        measurement = measurement_save(
            user=request.user,
            cycle=indicator.cycle,
            indicator=indicator,
            period_kind=data["period_kind"],
            period_end=data["period_end"],
            value=data.get("value") or None,
            completed_on=data.get("completed_on"),
            note=data.get("note", ""),
            deviation_note=data.get("deviation_note", ""),
        )
        created = measurement.version == 1
        return Response(
            {
                "id": measurement.pk,
                "indicator": indicator.pk,
                "period_end": measurement.period_end.isoformat(),
                "value": None if measurement.value is None else str(measurement.value),
                "state": measurement.state,
                "version": measurement.version,
                "created": created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- staff ---------------------------------------------------------------------------------


class PersonPushSerializer(serializers.Serializer):
    key = serializers.SlugField(max_length=80)
    first_name = serializers.CharField(max_length=120)
    last_name = serializers.CharField(max_length=120)
    title = serializers.CharField(max_length=40, required=False, allow_blank=True)
    fiscal_code = serializers.CharField(max_length=16, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)


class PersonPush(PushView):
    """Create or update a person of the ente (from payroll), identified by `key`."""

    required_scope = Scope.WRITE_STAFF
    serializer_class = PersonPushSerializer

    @extend_schema(
        request=PersonPushSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: None, 201: None, 400: ERROR, 403: ERROR},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def push(self, request, ente: Ente, data: dict) -> Response:
        person = Person.objects.select_for_update().filter(ente=ente, key=data["key"]).first()
        if person is None:
            person = person_create(user=request.user, ente=ente, data=data)
            code = status.HTTP_201_CREATED
        else:
            person = person_update(user=request.user, person=person, data=data)
            code = status.HTTP_200_OK
        return Response(
            {
                "id": person.pk,
                "key": person.key,
                "first_name": person.first_name,
                "last_name": person.last_name,
                "created": code == status.HTTP_201_CREATED,
            },
            status=code,
        )


class AbsencePushSerializer(serializers.Serializer):
    person = serializers.SlugField(max_length=80, help_text="Chiave della persona")
    kind = serializers.ChoiceField(choices=AbsenceKind.choices)
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    note = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class AbsencePush(PushView):
    """Record an absence of a person (same person, kind and start date: updated)."""

    required_scope = Scope.WRITE_STAFF
    serializer_class = AbsencePushSerializer

    @extend_schema(
        request=AbsencePushSerializer,
        parameters=[IDEMPOTENCY],
        responses={200: None, 201: None, 400: ERROR, 403: ERROR, 404: ERROR},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)

    def push(self, request, ente: Ente, data: dict) -> Response:
        person = Person.objects.filter(ente=ente, key=data["person"]).first()
        if person is None:
            raise exceptions.NotFound(f"Persona «{data['person']}» non trovata in questo ente.")
        absence, created = absence_upsert(user=request.user, person=person, data=data)
        return Response(
            {
                "id": absence.pk,
                "person": person.key,
                "kind": absence.kind,
                "start_date": absence.start_date.isoformat(),
                "end_date": absence.end_date.isoformat(),
                "created": created,
            },
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )


# --- reads ---------------------------------------------------------------------------------


class ReadView(APIView):
    required_scope = Scope.READ


def _score(score) -> dict[str, Any]:
    return {
        "percent": None if score.display_percent is None else str(score.display_percent),
        "explanation": score.explanation.to_dict(),
    }


class CycleScores(ReadView):
    """Achievement of the ente, its units and objectives (no individual scores)."""

    @extend_schema(responses={200: None, 404: ERROR})
    def get(self, request, pk: int):
        cycle = readable_cycle(request.user, pk)
        board = cycle_scores(cycle)
        return Response(
            {
                "cycle": cycle.pk,
                "as_of": board.as_of.isoformat(),
                "ente": _score(board.scores.ente),
                "units": [
                    {"key": e.unit.key, "name": e.unit.name, **_score(e.score)} for e in board.units
                ],
                "objectives": [
                    {
                        "key": e.objective.key,
                        "code": e.objective.code,
                        "title": e.objective.title,
                        "status": getattr(e.status, "status", None) and str(e.status.status),
                        **_score(e.score),
                    }
                    for e in board.objectives
                ],
            }
        )


def schede_aggregates(cycle) -> dict[str, Any]:
    """The aggregates of the schede with small groups suppressed (core.privacy)."""
    data = aggregates(cycle)
    schemes: dict[str, list] = {}
    for band in data.bands:
        schemes.setdefault(band.scheme_name, []).append(band)
    groups = []
    for name, bands in schemes.items():
        shown = suppress_group([band.count for band in bands])
        groups.append(
            {
                "scheme": name,
                "suppressed": shown.suppressed,
                "reason": shown.reason,
                "bands": [
                    {
                        "label": band.band_label,
                        "min_points": str(band.min_points),
                        "max_points": str(band.max_points),
                        "premium_percent": str(band.premium_percent),
                        "count": count,
                    }
                    for band, count in zip(bands, shown.counts, strict=True)
                ],
            }
        )
    small = 0 < data.scored < threshold()
    return {
        "total": data.total,
        "scored": data.scored,
        "mean_points": None if small or data.mean_points is None else str(data.mean_points),
        "mean_percent": None if small or data.mean_percent is None else str(data.mean_percent),
        "threshold": threshold(),
        "schemes": groups,
    }


class SchedeAggregates(ReadView):
    """Counts of the schede per band and scheme, without names; small groups suppressed."""

    @extend_schema(responses={200: None, 404: ERROR})
    def get(self, request, pk: int):
        cycle = readable_cycle(request.user, pk)
        return Response({"cycle": cycle.pk, **schede_aggregates(cycle)})
