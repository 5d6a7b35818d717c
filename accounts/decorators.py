"""View decorators that tie a request to the ente chosen at login."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect

from accounts.access import require_access


def ente_required(view=None, *, roles: tuple[str, ...] = ()):
    """Let the view run only inside an ente the user may enter.

    - anonymous users are sent to the login page (with `next`);
    - users who have not chosen an ente yet are sent to `accounts:choose_ente`;
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
                return redirect("accounts:choose_ente")
            # PermissionDenied raised here becomes a 403 response.
            request.ente_access = require_access(request.user, request.ente, *roles)
            return view_func(request, *args, **kwargs)

        return wrapper

    if view is not None:
        return decorator(view)
    return decorator
