"""The home page: «Cosa devo fare», the user's own list of what is due."""

from __future__ import annotations

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import ente_required
from desk.selectors import desk_for


@require_GET
@ente_required
def home(request):
    desk = desk_for(request.user, request.ente_access, timezone.localdate())
    # The menu shows how many tasks the list holds (performa.menu).
    request.menu_counts = {"desk:home": desk.total}
    return render(request, "desk/home.html", {"desk": desk})
