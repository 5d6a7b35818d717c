"""View decorators that tie a request to the ente chosen at login."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from accounts.access import require_access


def _to_ente_choice(request):
    choose = reverse("accounts:choose_ente")
    here = request.get_full_path()
    if request.method != "GET" or here == reverse("accounts:home"):
        return redirect(choose)
    return redirect(f"{choose}?{urlencode({'next': here})}")


def ente_required(view=None, *, roles: tuple[str, ...] = ()):
    """Let the view run only inside an ente the user may enter.

    - anonymous users are sent to the login page (with `next`);
    - users who have not chosen an ente yet are sent to `accounts:choose_ente`, with `next`
      so that they come back to the page they asked for (the home page needs no `next`);
    - users without a role in `request.ente` (or without one of `roles`) get 403.

    On success the view finds the user's `EnteAccess` in `request.ente_access`.
    Usable bare (`@ente_required`) or with roles (`@ente_required(roles=(ADMIN,))`).
    """

    def decorator(view_func):
        @wraps(view_func)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if getattr(request, "ente", None) is None:
                return _to_ente_choice(request)
            # PermissionDenied raised here becomes a 403 response.
            request.ente_access = require_access(request.user, request.ente, *roles)
            return view_func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
