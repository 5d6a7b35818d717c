"""Errors raised by service functions; their messages are shown to users (in Italian)."""

from __future__ import annotations


class ServiceError(Exception):
    """A business rule refused the operation. `field` names the offending field, if any."""

    def __init__(self, message: str, *, field: str | None = None, code: str = "invalid"):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code


class AccessDenied(ServiceError):
    def __init__(self, message: str = "Non hai i permessi per questa operazione."):
        super().__init__(message, code="forbidden")
