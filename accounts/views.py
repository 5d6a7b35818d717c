"""Login, logout, password reset, choice of the ente, the ente overview, and the pages
«Persone e ruoli» where the ente administrator manages accounts and roles."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services
from accounts.access import ADMIN, require_access
from accounts.decorators import ente_required
from accounts.forms import (
    ActivityFilterForm,
    EnteChoiceForm,
    GrantForm,
    InviteForm,
    LoginForm,
    NewPasswordForm,
    PreferencesForm,
    ResetRequestForm,
)
from accounts.invitations import send_invitation
from accounts.middleware import SESSION_KEY
from accounts.models import Membership
from accounts.selectors import (
    ACTIVITY_LIMIT,
    account_of,
    activity_choices,
    ente_choices,
    ente_overview,
    people_of,
)
from accounts.selectors import activity as activity_entries
from core.exceptions import ServiceError
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


PREVIOUS_LOGIN_KEY = "performa_previous_login"


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        """Remember the previous login, shown on the home page (the login overwrites it)."""
        previous = form.get_user().last_login
        response = super().form_valid(form)
        if previous is not None:
            self.request.session[PREVIOUS_LOGIN_KEY] = previous.isoformat()
        return response

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


# ---------------------------------------------------------------------------------------------
# Persone e ruoli: the ente administrator manages the accounts of the ente
# ---------------------------------------------------------------------------------------------

MANAGERS = (ADMIN,)


def _account(request, pk: int):
    """An account with a role in the chosen ente; another ente's account gives 404."""
    row = account_of(request.ente, pk)
    if row is None:
        raise Http404("Nessun account con questo identificativo in questo ente.")
    return row


@require_http_methods(["GET"])
@ente_required(roles=MANAGERS)
def people(request):
    return render(
        request,
        "accounts/people.html",
        {"rows": people_of(request.ente), "form": InviteForm(ente=request.ente)},
    )


@require_http_methods(["GET", "POST"])
@ente_required(roles=MANAGERS)
def person_invite(request):
    form = InviteForm(_posted(request), ente=request.ente)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account = services.account_invite(
                user=request.user,
                ente=request.ente,
                username=data["username"],
                email=data["email"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                person=data["person"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            send_invitation(request, account, request.ente)
            messages.success(
                request,
                f"Invito inviato a {account.email}: {account} sceglierà la password dal "
                "collegamento ricevuto.",
            )
            return redirect("accounts:account", account.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/invite.html", {"form": form}, status=status)


@require_http_methods(["GET", "POST"])
@ente_required(roles=MANAGERS)
def account_detail(request, pk):
    row = _account(request, pk)
    form = GrantForm(_posted(request), ente=request.ente)
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_grant(
                user=request.user,
                ente=request.ente,
                account=row.account,
                role=form.cleaned_data["role"],
                person=form.cleaned_data["person"],
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, f"Ruolo assegnato a {row.account}.")
            return redirect("accounts:account", pk)
    status = 400 if request.method == "POST" else 200
    context = {"row": row, "form": form, "is_self": row.account.pk == request.user.pk}
    return render(request, "accounts/account.html", context, status=status)


@require_POST
@ente_required(roles=MANAGERS)
def membership_revoke(request, pk):
    membership = get_object_or_404(Membership, pk=pk, ente=request.ente)
    try:
        services.membership_revoke(user=request.user, membership=membership)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, f"Revocato il ruolo «{membership.get_role_display()}» a {membership.user}."
        )
    if Membership.objects.filter(user_id=membership.user_id, ente=request.ente).exists():
        return redirect("accounts:account", membership.user_id)
    return redirect("accounts:people")


@require_POST
@ente_required(roles=MANAGERS)
def account_active(request, pk):
    row = _account(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.account_set_active(
            user=request.user, ente=request.ente, account=row.account, active=active
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        state = "riattivato" if active else "disattivato: non può più accedere"
        messages.success(request, f"Account di {row.account} {state}.")
    return redirect("accounts:account", pk)


@require_POST
@ente_required(roles=MANAGERS)
def invitation_resend(request, pk):
    row = _account(request, pk)
    if row.account.has_usable_password() or not row.account.email:
        messages.error(request, "La persona ha già scelto la password, o non ha un'e-mail.")
    else:
        send_invitation(request, row.account, request.ente)
        messages.success(request, f"Invito inviato di nuovo a {row.account.email}.")
    return redirect("accounts:account", pk)


# ---------------------------------------------------------------------------------------------
# Password dimenticata: Django's reset flow, in Italian
# ---------------------------------------------------------------------------------------------


class PasswordResetView(auth_views.PasswordResetView):
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("accounts:password_reset_done")
    form_class = ResetRequestForm


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    form_class = NewPasswordForm


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_http_methods(["GET"])
@ente_required(roles=MANAGERS)
def activity(request):
    """«Registro delle attività»: every audited change of the ente, filterable in the URL."""
    choices = activity_choices(request.ente)
    form = ActivityFilterForm(
        request.GET or None, people=choices.people, object_types=choices.object_types
    )
    entries, truncated, status = [], False, 200
    if not request.GET or form.is_valid():
        data = form.cleaned_data if request.GET else {}
        entries, truncated = activity_entries(
            request.ente,
            user_id=data.get("persona"),
            object_type=data.get("oggetto") or "",
            since=data.get("dal"),
            until=data.get("al"),
        )
    else:
        status = 400
    context = {"form": form, "entries": entries, "truncated": truncated, "limit": ACTIVITY_LIMIT}
    return render(request, "accounts/activity.html", context, status=status)


# ---------------------------------------------------------------------------------------------
# «Il mio account»: the user's own page
# ---------------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def my_account(request):
    """The user's login, last access and roles, and the weekly digest preference."""
    user = request.user
    form = PreferencesForm(
        request.POST if request.method == "POST" else None,
        initial={"weekly_digest": user.weekly_digest},
    )
    if request.method == "POST" and form.is_valid():
        enabled = form.cleaned_data["weekly_digest"]
        try:
            services.digest_preference_set(user=user, enabled=enabled)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                "Riceverai il riepilogo settimanale per e-mail."
                if enabled
                else "Non riceverai più il riepilogo settimanale.",
            )
            return redirect("accounts:my_account")
    memberships = Membership.objects.filter(user=user).select_related("ente", "person")
    context = {"form": form, "memberships": memberships}
    status = 400 if request.method == "POST" else 200
    return render(request, "accounts/my_account.html", context, status=status)
