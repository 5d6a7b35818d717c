"""The home page: «Cosa devo fare», the user's own list of what is due."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.decorators import ente_required
from accounts.views import PREVIOUS_LOGIN_KEY
from desk.feeds import feed_access, feed_token
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
        "feed_url": request.build_absolute_uri(
            reverse("desk:calendar_feed", args=[feed_token(request.user, request.ente)])
        ),
        "previous_login": dt.datetime.fromisoformat(previous) if previous else None,
    }
    return render(request, "desk/home.html", context)


def _calendar_response(request, user, access, *, download: bool) -> HttpResponse:
    desk = desk_for(user, access, timezone.localdate())
    text = calendar(
        ((task, request.build_absolute_uri(task.url)) for task in desk.tasks),
        ente_name=access.ente.name,
        ente_key=str(access.ente.pk),
        stamp=timezone.now(),
    )
    response = HttpResponse(text, content_type="text/calendar; charset=utf-8")
    if download:
        response["Content-Disposition"] = 'attachment; filename="scadenze-performa.ics"'
    return response


@require_GET
@ente_required
def deadlines_calendar(request):
    """The deadlines of the list as an iCalendar file, to import in the user's calendar."""
    return _calendar_response(request, request.user, request.ente_access, download=True)


@require_GET
def calendar_feed(request, token: str):
    """The same deadlines at an address a calendar program subscribes to (no login)."""
    found = feed_access(token)
    if found is None:
        raise Http404("Indirizzo del calendario non valido o non più attivo.")
    user, access = found
    return _calendar_response(request, user, access, download=False)
