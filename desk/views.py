"""The home page: «Cosa devo fare», the user's own list of what is due."""

from __future__ import annotations

import datetime as dt

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import ente_required
from accounts.views import PREVIOUS_LOGIN_KEY
from desk.ical import calendar
from desk.selectors import desk_for


@require_GET
@ente_required
def home(request):
    desk = desk_for(request.user, request.ente_access, timezone.localdate())
    # The menu shows how many tasks the list holds (performa.menu).
    request.menu_counts = {"desk:home": desk.total}
    previous = request.session.get(PREVIOUS_LOGIN_KEY)
    context = {
        "desk": desk,
        "previous_login": dt.datetime.fromisoformat(previous) if previous else None,
    }
    return render(request, "desk/home.html", context)


@require_GET
@ente_required
def deadlines_calendar(request):
    """The deadlines of the list as an iCalendar file, to import in the user's calendar."""
    desk = desk_for(request.user, request.ente_access, timezone.localdate())
    text = calendar(
        ((task, request.build_absolute_uri(task.url)) for task in desk.tasks),
        ente_name=request.ente.name,
        ente_key=str(request.ente.pk),
        stamp=timezone.now(),
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="scadenze-performa.ics"'
    return response
