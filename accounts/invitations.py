"""The e-mail of an invitation: a one-time link to choose the password.

The link is Django's password-reset link (`default_token_generator`): it stops working once the
password is set (the token depends on the password), and after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User


def password_link(request, account: User) -> str:
    """The absolute one-time link that lets `account` choose a password."""
    uid = urlsafe_base64_encode(force_bytes(account.pk))
    token = default_token_generator.make_token(account)
    path = reverse("accounts:password_reset_confirm", args=[uid, token])
    return request.build_absolute_uri(path)


def send_invitation(request, account: User, ente) -> None:
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    name = account.get_full_name() or account.username
    body = (
        f"Gentile {name},\n\n"
        f"l'amministratore di {ente.name} ti ha dato accesso a Performa, il sistema del ciclo "
        "della performance dell'ente.\n\n"
        f"Il tuo nome utente è: {account.username}\n\n"
        "Per scegliere la password apri questo collegamento (vale una sola volta, "
        f"per {days} giorni):\n{password_link(request, account)}\n\n"
        "Se non ti aspettavi questo messaggio, ignoralo.\n"
    )
    send_mail(
        f"Performa – accesso a {ente.name}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [account.email],
    )
