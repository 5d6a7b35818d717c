"""Login, logout, choice of the ente and the ente overview."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods

from accounts.access import require_access
from accounts.decorators import ente_required
from accounts.forms import EnteChoiceForm, LoginForm
from accounts.middleware import SESSION_KEY
from accounts.selectors import ente_choices, ente_overview
from organization.access import enti_for
from organization.models import Ente


def _safe_next(request, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


def _posted(request):
    return request.POST if request.method == "POST" else None


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        """A user with a single ente goes straight into it; others choose first."""
        enti = enti_for(self.request.user)
        if len(enti) == 1:
            self.request.session[SESSION_KEY] = enti[0].pk
            return self.get_redirect_url() or reverse("accounts:home")
        if self.request.session.get(SESSION_KEY) in {ente.pk for ente in enti}:
            return self.get_redirect_url() or reverse("accounts:home")
        choose = reverse("accounts:choose_ente")
        next_url = self.get_redirect_url()
        return f"{choose}?{urlencode({'next': next_url})}" if next_url else choose


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); tells the user they are out."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, "Sei uscito da Performa.")
        return response


@login_required
@require_http_methods(["GET", "POST"])
def choose_ente(request):
    form = EnteChoiceForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        ente = get_object_or_404(Ente, pk=form.cleaned_data["ente"])
        # The list shown may be stale (a role revoked meanwhile): check again before entering.
        require_access(request.user, ente)
        request.session[SESSION_KEY] = ente.pk
        messages.success(request, f"Stai lavorando su: {ente.name}.")
        target = _safe_next(request, form.cleaned_data["next"]) or reverse("accounts:home")
        return HttpResponseRedirect(target)
    context = {
        "choices": ente_choices(request.user),
        "current_id": request.session.get(SESSION_KEY),
        "next": _safe_next(request, request.GET.get("next") or request.POST.get("next")),
        "form": form,
        "is_platform_admin": request.user.is_platform_admin or request.user.is_superuser,
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/choose_ente.html", context, status=status)


@ente_required
def home(request):
    overview = ente_overview(request.ente, request.ente_access)
    return render(request, "accounts/home.html", {"overview": overview})
