"""Read-only REST API. Every endpoint scopes its data through api.access."""

from __future__ import annotations

import re

from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics
from rest_framework.response import Response

from api.access import readable_cycle, readable_enti
from api.pagination import BadParameter
from api.serializers import CycleSerializer, EnteSerializer, ObjectiveSerializer
from core import pagecache
from planning.models import Cycle, Indicator, OperationalObjective


class EnteList(generics.ListAPIView):
    """Enti the authenticated user may read."""

    serializer_class = EnteSerializer
    pagination_class = None

    def get_queryset(self):
        return readable_enti(self.request.user)


SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


# The schema says what a slug is, and the view refuses anything else with a 400 (a NUL byte is
# refused even earlier, by security.middleware): a client learns of a typo instead of getting an
# empty list.
@extend_schema(
    parameters=[OpenApiParameter("ente", str, description="Slug dell'ente", pattern=SLUG_PATTERN)]
)
class CycleList(generics.ListAPIView):
    serializer_class = CycleSerializer

    def get_queryset(self):
        enti = readable_enti(self.request.user)
        queryset = Cycle.objects.filter(ente__in=enti).select_related("ente")
        if "ente" in self.request.query_params:
            slug = self.request.query_params["ente"]
            if not re.fullmatch(SLUG_PATTERN, slug):
                raise BadParameter("ente: identificativo dell'ente non valido.")
            queryset = queryset.filter(ente__slug=slug)
        return queryset.order_by("ente__name", "-year")


class CycleDetail(generics.RetrieveAPIView):
    serializer_class = CycleSerializer

    def get_object(self):
        return readable_cycle(self.request.user, self.kwargs["pk"])


class ObjectiveList(generics.ListAPIView):
    """Operational objectives of a cycle, with indicators and targets (constant queries).

    Everyone who may read the cycle reads all of its objectives, so a page of the list is
    serialised once per data version of the ente and per page (`core.pagecache`); the access
    check (`readable_cycle`) runs at every request."""

    serializer_class = ObjectiveSerializer

    def get_queryset(self):
        return self._objectives(readable_cycle(self.request.user, self.kwargs["pk"]))

    @staticmethod
    def _objectives(cycle: Cycle):
        indicators = Indicator.objects.prefetch_related("targets").order_by("order", "id")
        return (
            OperationalObjective.objects.filter(cycle=cycle)
            .select_related("unit", "weight_group", "strategic_objective")
            .prefetch_related(Prefetch("indicators", queryset=indicators))
            .order_by("order", "id")
        )

    def list(self, request, *args, **kwargs):
        cycle = readable_cycle(request.user, self.kwargs["pk"])
        paginator = self.paginator
        if paginator is None:  # the project's default pagination is always set
            return super().list(request, *args, **kwargs)
        # Validated here, before the cache, so that a bad page is refused as without it; the
        # whole address is in the key because the `next`/`previous` links repeat it.
        limit, offset = paginator.get_limit(request), paginator.get_offset(request)
        parts = [cycle.pk, limit, offset, request.build_absolute_uri()]
        data = pagecache.cached(cycle.ente_id, "api-objectives", parts, lambda: self._page(cycle))
        return Response(data)

    def _page(self, cycle: Cycle):
        page = self.paginate_queryset(self._objectives(cycle))
        serializer = self.get_serializer(page, many=True)
        return self.get_paginated_response(serializer.data).data
