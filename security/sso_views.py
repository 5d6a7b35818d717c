"""Entry points of single sign-on; a 404 when the installation has not configured it."""

from __future__ import annotations

from django.http import Http404
from mozilla_django_oidc import views as oidc_views

from security.sso import oidc_enabled


def _enabled_only(view_class):
    view = view_class.as_view()

    def wrapper(request, *args, **kwargs):
        if not oidc_enabled():
            raise Http404("L'accesso con OpenID Connect non è configurato.")
        return view(request, *args, **kwargs)

    return wrapper


oidc_login = _enabled_only(oidc_views.OIDCAuthenticationRequestView)
oidc_callback = _enabled_only(oidc_views.OIDCAuthenticationCallbackView)
