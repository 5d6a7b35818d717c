"""Errors of the API, always JSON with an Italian `detail` (and a `code`)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from integrations.authentication import throttled_message


def exception_handler(exc, context):
    if isinstance(exc, exceptions.Throttled):
        exc = exceptions.Throttled(exc.wait, detail=throttled_message(exc.wait))
    response = drf_exception_handler(exc, context)
    if response is not None and isinstance(response.data, dict) and "detail" in response.data:
        code = getattr(response.data["detail"], "code", None)
        if code and "code" not in response.data:
            response.data["code"] = code
    return response
