"""Access rules of the API: the same as the pages, through accounts.access."""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from rest_framework.exceptions import NotFound

from accounts.access import access_for
from organization.access import enti_for
from organization.models import Ente
from planning.models import Cycle


def readable_enti(user) -> list[Ente]:
    return enti_for(user)


def readable_cycle(user, pk: int) -> Cycle:
    """A cycle the user may read; another ente's cycle is reported as missing (404)."""
    cycle = get_object_or_404(Cycle.objects.select_related("ente"), pk=pk)
    if access_for(user, cycle.ente) is None:
        raise NotFound("Ciclo non trovato.")
    return cycle
