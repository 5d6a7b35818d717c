"""Login, logout, the ente choice and the ente_required decorator."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from accounts.access import ADMIN
from accounts.decorators import ente_required
from accounts.middleware import SESSION_KEY
from accounts.models import Membership, MembershipRole
from tests.organization.builders import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password=PASSWORD, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password, **extra}
    )


def test_login_page_is_italian(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Nome utente" in body and "Password" in body and 'lang="it"' in body


def test_wrong_password_shows_italian_error(client, world):
    response = _login(client, "admin", "sbagliata")
    assert response.status_code == 200
    assert "Nome utente o password non corretti" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_missing_fields_are_named(client, db):
    body = _login(client, "", "").content.decode()
    assert "Indica il nome utente." in body and "Indica la password." in body
    assert 'aria-describedby="id_username_error"' in body


def test_single_ente_login_goes_straight_in(client, world):
    response = _login(client, "admin")
    assert response.status_code == 302
    assert response.url == reverse("accounts:home")
    assert client.session[SESSION_KEY] == world.ente.pk


def test_single_ente_login_honours_next(client, world):
    chart = reverse("organization:chart")
    response = _login(client, "admin", next=chart)
    assert response.url == chart
    assert client.session[SESSION_KEY] == world.ente.pk


def test_several_enti_login_asks_to_choose(client, world):
    Membership.objects.create(
        user=world.users["admin"], ente=world.other, role=MembershipRole.GIUNTA
    )
    response = _login(client, "admin")
    assert response.url == reverse("accounts:choose_ente")
    assert SESSION_KEY not in client.session
    page = client.get(response.url).content.decode()
    assert world.ente.name in page and world.other.name in page


def test_choice_page_lists_only_own_enti(enter, world):
    client = enter(world.users["dipendente"])
    body = client.get(reverse("accounts:choose_ente")).content.decode()
    assert world.ente.name in body
    assert world.other.name not in body
    assert "Dipendente" in body


def test_platform_admin_sees_every_ente_with_badge(enter, world):
    client = enter(world.users["platform"])
    body = client.get(reverse("accounts:choose_ente")).content.decode()
    assert world.ente.name in body and world.other.name in body
    assert "Amministratore di piattaforma" in body


def test_choosing_an_ente_stores_it(enter, world):
    client = enter(world.users["admin"])
    response = client.post(reverse("accounts:choose_ente"), {"ente": world.ente.pk})
    assert response.status_code == 302 and response.url == reverse("accounts:home")
    assert client.session[SESSION_KEY] == world.ente.pk


def test_choosing_an_ente_keeps_a_safe_next_only(enter, world):
    client = enter(world.users["admin"])
    chart = reverse("organization:chart")
    response = client.post(reverse("accounts:choose_ente"), {"ente": world.ente.pk, "next": chart})
    assert response.url == chart
    response = client.post(
        reverse("accounts:choose_ente"), {"ente": world.ente.pk, "next": "https://evil.example/"}
    )
    assert response.url == reverse("accounts:home")


def test_choosing_a_foreign_ente_is_refused(enter, world):
    client = enter(world.users["admin"])
    response = client.post(reverse("accounts:choose_ente"), {"ente": world.other.pk})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session


def test_choosing_a_missing_ente_is_404(enter, world):
    client = enter(world.users["admin"])
    assert client.post(reverse("accounts:choose_ente"), {"ente": 987654}).status_code == 404


def test_choice_without_ente_is_a_bad_request(enter, world):
    client = enter(world.users["admin"])
    response = client.post(reverse("accounts:choose_ente"), {})
    assert response.status_code == 400
    assert "Scegli un ente." in response.content.decode()


def test_choice_page_requires_login(client, db):
    response = client.get(reverse("accounts:choose_ente"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_logout_is_post_only_and_clears_the_session(enter, world):
    client = enter(world.users["admin"], world.ente)
    assert client.get(reverse("accounts:logout")).status_code == 405
    response = client.post(reverse("accounts:logout"))
    assert response.status_code == 302 and response.url == reverse("accounts:login")
    assert SESSION_KEY not in client.session
    assert client.get(reverse("accounts:home")).status_code == 302


def test_user_without_enti_is_told_so(client, make_user):
    client.force_login(make_user("solitario"))
    body = client.get(reverse("accounts:choose_ente")).content.decode()
    assert "non è ancora associato ad alcun ente" in body


# --- the decorator ----------------------------------------------------------------------


def _decorated_request(user, ente):
    request = RequestFactory().get("/qualcosa/")
    request.user = user
    request.ente = ente
    return request


@ente_required
def _plain_view(request):
    from django.http import HttpResponse

    return HttpResponse(",".join(sorted(request.ente_access.roles)))


@ente_required(roles=(ADMIN,))
def _admin_view(request):
    from django.http import HttpResponse

    return HttpResponse("ok")


def test_decorator_redirects_anonymous_to_login(world):
    from django.contrib.auth.models import AnonymousUser

    response = _plain_view(_decorated_request(AnonymousUser(), None))
    assert response.status_code == 302 and reverse("accounts:login") in response.url
    assert "next=/qualcosa/" in response.url


def test_decorator_redirects_to_choice_without_ente(world):
    """The choice of the ente brings the user back to the page asked for."""
    response = _plain_view(_decorated_request(world.users["admin"], None))
    assert response.status_code == 302
    assert response.url == reverse("accounts:choose_ente") + "?next=%2Fqualcosa%2F"


def test_decorator_refuses_foreign_ente(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        _plain_view(_decorated_request(world.users["admin"], world.other))


def test_decorator_checks_roles_and_exposes_access(world):
    from django.core.exceptions import PermissionDenied

    response = _plain_view(_decorated_request(world.users["giunta"], world.ente))
    assert response.content == b"giunta"
    with pytest.raises(PermissionDenied):
        _admin_view(_decorated_request(world.users["giunta"], world.ente))
    assert _admin_view(_decorated_request(world.users["admin"], world.ente)).status_code == 200


def test_revoked_role_gives_403_on_pages(enter, world):
    client = enter(world.users["giunta"], world.ente)
    Membership.objects.filter(user=world.users["giunta"]).delete()
    assert client.get(reverse("accounts:home")).status_code == 403
