"""Pagination that refuses malformed `limit`/`offset` instead of silently ignoring them."""

from __future__ import annotations

from rest_framework.exceptions import APIException
from rest_framework.pagination import LimitOffsetPagination

MAX_LIMIT = 1000
MAX_OFFSET = 10**9


class BadPagination(APIException):
    status_code = 400
    default_code = "invalid_pagination"
    default_detail = "Parametri di paginazione non validi."


class BadParameter(APIException):
    """A filter of a list that the schema does not allow (an unknown kind, a malformed slug)."""

    status_code = 400
    default_code = "invalid_parameter"
    default_detail = "Parametro non valido."


class StrictLimitOffsetPagination(LimitOffsetPagination):
    default_limit = 100
    max_limit = MAX_LIMIT

    def _read(self, request, name: str, default: int | None, maximum: int) -> int | None:
        raw = request.query_params.get(name)
        if raw is None or raw == "":
            return default
        if not raw.isascii() or not raw.isdigit():
            raise BadPagination(f"{name}: «{raw[:20]}» non è un numero intero non negativo.")
        value = int(raw)
        if value > maximum:
            raise BadPagination(f"{name}: al massimo {maximum}.")
        return value

    def get_limit(self, request):
        limit = self._read(request, self.limit_query_param, self.default_limit, MAX_LIMIT)
        if limit == 0:
            raise BadPagination(f"{self.limit_query_param}: almeno 1.")
        return limit

    def get_offset(self, request):
        return self._read(request, self.offset_query_param, 0, MAX_OFFSET)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            bounds = {"minimum": 1, "maximum": MAX_LIMIT}
            if parameter["name"] == self.offset_query_param:
                bounds = {"minimum": 0, "maximum": MAX_OFFSET}
            parameter["schema"].update(bounds)
        return parameters
