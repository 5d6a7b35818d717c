from __future__ import annotations


def current_ente(request):
    return {"current_ente": getattr(request, "ente", None)}
