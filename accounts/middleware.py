"""Attach the ente the user is working in (chosen at login, kept in the session)."""

from __future__ import annotations

from accounts.access import request_memo
from organization.models import Ente

SESSION_KEY = "performa_ente_id"


class CurrentEnteMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.ente = None
        ente_id = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
        if ente_id and getattr(request, "user", None) and request.user.is_authenticated:
            # The stemma (documents.EnteBranding, reached by its related name, no import) comes
            # in the same query: the header of every page shows it.
            request.ente = Ente.objects.select_related("branding").filter(pk=ente_id).first()
        # The accesses of this request are computed once (see `accounts.access.access_for`).
        with request_memo(request):
            return self.get_response(request)
