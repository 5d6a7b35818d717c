"""A write that the database cannot take right now gets «riprova», never a 500.

SQLite is configured for concurrent use (WAL, IMMEDIATE transactions, a busy timeout: see
`performa/settings.py`), so writers normally queue. When one still waits longer than the busy
timeout, SQLite raises `OperationalError("database is locked")`; PostgreSQL raises a
serialization failure, a deadlock or a lock timeout in the same situations. Each of them means
"nothing was written, the same request may succeed a moment later": the transaction was rolled
back by `transaction.atomic()`. `BusyDatabaseMiddleware` turns them into a 503 with
`Retry-After` and an Italian message (a page, an HTMX fragment or JSON for the API).
"""

from __future__ import annotations

import sys

from django.core.signals import got_request_exception
from django.db import OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string

RETRY_AFTER_SECONDS = 5
BUSY_MESSAGE = (
    "Il sistema è momentaneamente occupato da altre modifiche e la tua non è stata salvata: "
    "riprova tra qualche secondo."
)

# Messages of SQLite, and SQLSTATE codes of PostgreSQL, that mean "try again".
_SQLITE_BUSY = ("database is locked", "database table is locked", "database schema is locked")
_POSTGRES_RETRY = {
    "40001",  # serialization_failure
    "40P01",  # deadlock_detected
    "55P03",  # lock_not_available
}


def is_busy_error(error: BaseException) -> bool:
    """True when `error` says the database was busy, not that the request was wrong."""
    if not isinstance(error, OperationalError):
        return False
    cause = error.__cause__ or error
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    if code in _POSTGRES_RETRY:
        return True
    text = str(error).lower()
    return any(marker in text for marker in _SQLITE_BUSY)


def busy_response(request) -> HttpResponse:
    """503 with the retry message in the form the client expects."""
    accept = request.headers.get("Accept", "")
    if request.path.startswith("/api/") or "application/json" in accept:
        response: HttpResponse = JsonResponse({"detail": BUSY_MESSAGE, "code": "busy"}, status=503)
    elif request.headers.get("HX-Request"):
        response = HttpResponse(
            render_to_string("core/_busy.html", {"message": BUSY_MESSAGE}, request=request),
            status=503,
        )
        # HTMX does not swap error responses unless told to; show the message where it asked.
        response["HX-Reswap"] = "innerHTML"
    else:
        try:
            body = render_to_string("core/busy.html", {"message": BUSY_MESSAGE}, request=request)
        except Exception:  # the page itself needs the database: say it plainly instead
            body = f'<!doctype html><html lang="it"><title>Riprova</title><p>{BUSY_MESSAGE}</p>'
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _mark_busy(sender, request=None, **kwargs) -> None:
    """Remember that the request failed on a busy database (the exception is being handled)."""
    if request is not None and is_busy_error(sys.exc_info()[1]):
        request.performa_database_busy = True


# An error in another middleware (the session saved after the view, say) never reaches
# `process_exception`: Django turns it into a 500 on the spot and sends this signal.
got_request_exception.connect(_mark_busy, dispatch_uid="performa-busy-database")


class BusyDatabaseMiddleware:
    """Answer 503 «riprova» when a request failed only because the database was busy.

    First in `MIDDLEWARE`, so that it also sees the 500 that an inner middleware produced.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "performa_database_busy", False) and response.status_code >= 500:
            return busy_response(request)
        return response

    def process_exception(self, request, exception):
        if is_busy_error(exception):
            return busy_response(request)
        return None
