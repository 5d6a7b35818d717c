"""Schema post-processing: document the errors every endpoint can answer with."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "detail": {"type": "string"},
        "code": {"type": "string"},
    },
    "required": ["detail"],
}

COMMON = {
    "401": "Credenziali mancanti o non valide (sessione o token).",
    "403": "Permesso negato (ruolo o autorizzazione del token).",
    "429": "Troppe richieste con questo token.",
    "503": "Il database è momentaneamente occupato: riprova.",
}


def document_errors(result, generator, request, public):
    """Add the JSON error answers (and 404 for operations with a path id) to every operation."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ErroreGenerico", ERROR_SCHEMA)
    reference = {"$ref": "#/components/schemas/ErroreGenerico"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            answers = dict(COMMON)
            if "{" in path:
                answers["404"] = "Oggetto non trovato, o di un altro ente."
            if method in ("get", "head") and any(
                p.get("name") in ("limit", "offset") for p in operation.get("parameters", [])
            ):
                answers["400"] = "Parametri di paginazione non validi."
            for code, text in answers.items():
                responses.setdefault(
                    code,
                    {"description": text, "content": {"application/json": {"schema": reference}}},
                )
    return result
