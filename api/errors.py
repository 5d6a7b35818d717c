"""Errors of the API, always JSON with an Italian `detail` (and a `code`)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from integrations.authentication import throttled_message


def exception_handler(exc, context):
    if isinstance(exc, exceptions.Throttled):
        wait = exc.wait
        exc = exceptions.Throttled(None, detail=throttled_message(wait))
        exc.wait = wait  # Retry-After, without DRF's English sentence in the detail
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(response.data["detail"], "code", None)
        if code and "code" not in response.data:
            response.data["code"] = code
    return response


def not_found(request, exception=None):
    """404 as JSON under /api/ (documented in the schema), the usual page elsewhere."""
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        return JsonResponse({"detail": "Risorsa non trovata.", "code": "not_found"}, status=404)
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)
