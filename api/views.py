"""Read-only REST API. Every endpoint scopes its data through api.access."""

from __future__ import annotations

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics

from api.access import readable_cycle, readable_enti
from api.serializers import CycleSerializer, EnteSerializer, ObjectiveSerializer
from planning.models import Cycle, Indicator, OperationalObjective


class EnteList(generics.ListAPIView):
    """Enti the authenticated user may read."""

    serializer_class = EnteSerializer
    pagination_class = None

    def get_queryset(self):
        return readable_enti(self.request.user)


@extend_schema(parameters=[OpenApiParameter("ente", str, description="Slug dell'ente")])
class CycleList(generics.ListAPIView):
    serializer_class = CycleSerializer

    def get_queryset(self):
        enti = readable_enti(self.request.user)
        queryset = Cycle.objects.filter(ente__in=enti).select_related("ente")
        slug = self.request.query_params.get("ente")
        if slug:
            queryset = queryset.filter(ente__slug=slug)
        return queryset.order_by("ente__name", "-year")


class CycleDetail(generics.RetrieveAPIView):
    serializer_class = CycleSerializer

    def get_object(self):
        return readable_cycle(self.request.user, self.kwargs["pk"])


class ObjectiveList(generics.ListAPIView):
    """Operational objectives of a cycle, with indicators and targets (constant queries)."""

    serializer_class = ObjectiveSerializer

    def get_queryset(self):
        cycle = readable_cycle(self.request.user, self.kwargs["pk"])
        indicators = Indicator.objects.prefetch_related("targets").order_by("order", "id")
        return (
            OperationalObjective.objects.filter(cycle=cycle)
            .select_related("unit", "weight_group", "strategic_objective")
            .prefetch_related(Prefetch("indicators", queryset=indicators))
            .order_by("order", "id")
        )
