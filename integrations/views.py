"""The page where the ente administrator creates and revokes API tokens."""

from __future__ import annotations

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from accounts.access import ADMIN
from accounts.decorators import ente_required
from core.exceptions import ServiceError
from integrations.forms import TokenForm
from integrations.models import ApiToken
from integrations.services import token_create, token_revoke


@ente_required(roles=(ADMIN,))
@require_http_methods(["GET", "POST"])
def tokens(request):
    form = TokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            token, created = token_create(
                user=request.user,
                ente=request.ente,
                name=form.cleaned_data["name"],
                scopes=form.cleaned_data["scopes"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Token «{token.name}» creato.")
            form = TokenForm()
    rows = ApiToken.objects.filter(ente=request.ente).select_related("created_by", "revoked_by")
    status = 400 if request.method == "POST" and created is None else 200
    return render(
        request,
        "integrations/tokens.html",
        {"form": form, "tokens": rows, "created": created},
        status=status,
    )


@ente_required(roles=(ADMIN,))
@require_POST
def token_revoke_view(request, pk: int):
    token = get_object_or_404(ApiToken, pk=pk, ente=request.ente)
    try:
        token_revoke(user=request.user, token=token)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"Token «{token.name}» revocato: non è più accettato.")
    return redirect("integrations:tokens")
