"""`Idempotency-Key`: a push retried with the same key gets the first answer, not a duplicate."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.response import Response

from integrations.models import ApiToken, IdempotencyKey

HEADER = "Idempotency-Key"
MAX_LENGTH = 200


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


def idempotent(request, token: ApiToken | None, handle: Callable[[], Response]) -> Response:
    """Run `handle` once per (token, key); replay its answer afterwards.

    The same key with a different request is refused (422): a client reusing keys by mistake
    must not silently get the answer of another push.
    """
    key = (request.headers.get(HEADER) or "").strip()
    if token is None or not key:
        return handle()
    if len(key) > MAX_LENGTH:
        return Response(
            {"detail": f"Idempotency-Key supera {MAX_LENGTH} caratteri.", "code": "invalid"},
            status=status.HTTP_400_BAD_REQUEST,
        )
    fingerprint = _fingerprint(request)
    stored = IdempotencyKey.objects.filter(token=token, key=key).first()
    if stored is not None:
        return _replay(stored, fingerprint)
    with transaction.atomic():
        response = handle()
        if response.status_code < 500:
            try:
                with transaction.atomic():
                    IdempotencyKey.objects.create(
                        token=token,
                        key=key,
                        request_hash=fingerprint,
                        status_code=response.status_code,
                        response=response.data,
                    )
            except IntegrityError:
                # The same key arrived twice at once: the other request won; the atomic block
                # around `handle` is rolled back, so nothing is written twice.
                transaction.set_rollback(True)
                stored = IdempotencyKey.objects.filter(token=token, key=key).first()
                if stored is not None:
                    return _replay(stored, fingerprint)
    return response


def _replay(stored: IdempotencyKey, fingerprint: str) -> Response:
    if stored.request_hash != fingerprint:
        return Response(
            {
                "detail": "Questa Idempotency-Key è già stata usata per una richiesta diversa.",
                "code": "idempotency_mismatch",
            },
            status=status.HTTP_422_UNPROCESSABLE_ENTITY,
        )
    response = Response(stored.response, status=stored.status_code)
    response["Idempotent-Replayed"] = "true"
    return response
