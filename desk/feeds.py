"""The address a calendar program subscribes to: the user's deadlines without a login.

A calendar app cannot log in, so the address carries its own proof: a MAC of the user, the
ente and the user's password hash. Changing the password (or deactivating the account) makes
every old address stop working; the roles are checked again at every request.
"""

from __future__ import annotations

import hmac

from django.utils.crypto import salted_hmac

from accounts.access import EnteAccess, access_for
from accounts.models import User
from organization.models import Ente

_SALT = "desk.calendar-feed"


def _mac(user: User, ente: Ente) -> str:
    return salted_hmac(_SALT, f"{user.pk}|{ente.pk}|{user.password}").hexdigest()[:32]


def feed_token(user: User, ente: Ente) -> str:
    return f"{user.pk}-{ente.pk}-{_mac(user, ente)}"


def feed_access(token: str) -> tuple[User, EnteAccess] | None:
    """The user and their access named by a valid token, else None."""
    try:
        user_pk, ente_pk, mac = token.split("-", 2)
        user = User.objects.get(pk=int(user_pk), is_active=True)
        ente = Ente.objects.get(pk=int(ente_pk))
    except (ValueError, User.DoesNotExist, Ente.DoesNotExist):
        return None
    if not hmac.compare_digest(mac, _mac(user, ente)):
        return None
    access = access_for(user, ente)
    return (user, access) if access is not None else None
