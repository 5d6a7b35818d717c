"""HTTP caching of the public pages: anyone may read them, many times, and they change only
when the ente publishes or finalises something.

`public_page(etag)` answers «304 Not Modified» when the browser (or a proxy) already has the
current version (Django's `condition`), and lets anonymous readers' copies be kept for
`PUBLIC_MAX_AGE` seconds by any cache. A signed-in user sees the same data inside their own
menu: that page is theirs alone (`private`, checked again at each visit).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import wraps

from django.utils.cache import patch_cache_control
from django.views.decorators.http import condition

from organization.models import Ente

PUBLIC_MAX_AGE = 300  # seconds: a withdrawal or a new finalisation shows within five minutes
CACHED_STATUSES = frozenset({200, 304})
PAGES_VERSION = 1  # raise it when the pages' markup changes, so that no old copy is reused


def tag(*parts) -> str:
    """A short digest of `parts` (anything `json` can write, dates and decimals as text)."""
    text = json.dumps([PAGES_VERSION, *parts], default=str, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def ente_parts(ente: Ente) -> list:
    """What every public page shows of the ente itself."""
    return [ente.pk, ente.slug, ente.name, ente.short_name, ente.fiscal_code]


def public_page(etag: Callable[..., str | None]):
    """Decorate a public GET view with an ETag from `etag(request, *args, **kwargs)` (None: no
    ETag, the view always runs) and the Cache-Control for its reader."""

    def reader_etag(request, *args, **kwargs) -> str | None:
        tag = etag(request, *args, **kwargs)
        if tag is None:
            return None
        user = getattr(request, "user", None)
        reader = user.pk if user is not None and user.is_authenticated else 0
        return f"{tag}-{reader}"  # another reader's copy (with their menu) is never reused

    def decorate(view):
        conditional = condition(etag_func=reader_etag)(view)

        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = conditional(request, *args, **kwargs)
            if response.status_code not in CACHED_STATUSES:
                return response
            user = getattr(request, "user", None)
            if user is not None and user.is_authenticated:
                patch_cache_control(response, private=True, no_cache=True)
            else:
                patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
            return response

        return wrapper

    return decorate
