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

from django.core.cache import caches
from django.http import HttpResponse
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


def public_page(etag: Callable[..., str | None], *, keep_copy: bool = False):
    """Decorate a public GET view with an ETag from `etag(request, *args, **kwargs)` (None: no
    ETag, the view always runs) and the Cache-Control for its reader.

    With `keep_copy`, the answer to an anonymous reader is also kept in the process (the
    `pages` cache of `core.pagecache`) under its ETag and address, and given to the next
    anonymous reader without running the view: the ETag is made of everything the page shows,
    so the same ETag means the same page. Only for pages that show nothing of the request
    (no CSRF token, no menu, no messages): the public «Performance» pages."""

    def reader_etag(request, *args, **kwargs) -> str | None:
        tag = etag(request, *args, **kwargs)
        if tag is None:
            return None
        user = getattr(request, "user", None)
        reader = user.pk if user is not None and user.is_authenticated else 0
        return f"{tag}-{reader}"  # another reader's copy (with their menu) is never reused

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            current = reader_etag(request, *args, **kwargs)  # once: `condition` reuses it
            copy = _copy_key(request, current) if keep_copy else None
            answer = _kept(view, copy) if copy is not None else view
            conditional = condition(etag_func=lambda *_args, **_kwargs: current)(answer)
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


def _copy_key(request, current: str | None) -> str | None:
    """The key of the anonymous copy of this page, or None when there is no copy to keep."""
    user = getattr(request, "user", None)
    if current is None or (user is not None and user.is_authenticated):
        return None
    where = [request.get_host(), request.get_full_path(), current]
    return "performa:public:" + tag(*where)


def _kept(view, key: str):
    """`view`, answered from the copy under `key` when there is one, kept there when not."""
    from core.pagecache import CACHE_ALIAS

    store = caches[CACHE_ALIAS]

    @wraps(view)
    def answer(request, *args, **kwargs):
        found = store.get(key)
        if found is not None:
            content, headers = found
            response = HttpResponse(content)
            for name, value in headers.items():
                response[name] = value
            return response
        response = view(request, *args, **kwargs)
        if response.status_code == 200 and not response.streaming and not response.cookies:
            # The view's own headers (type, file name); ETag, cache and security headers are
            # added around it at every answer.
            store.set(key, (response.content, dict(response.items())))
        return response

    return answer
