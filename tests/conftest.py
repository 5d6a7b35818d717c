"""Shared fixtures. App-specific fixtures live next to their tests.

`enter(user, ente)` logs a user in with an ente chosen, as the choice page does: every page test
uses it. `world` is the small organisation of `tests.organization.builders`.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache

from accounts.middleware import SESSION_KEY
from accounts.models import Membership, User
from organization.models import Ente, EnteKind, Person
from tests.organization.builders import World, build_world


@pytest.fixture(autouse=True)
def _empty_cache():
    """Django's cache outlives each test's rollback (and ids are reused): empty it after each
    test, so that no test reads what another one stored."""
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 is deliberately slow; tests create many users, so hash them cheaply."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def make_ente(db):
    def _make(slug: str = "ente-prova", **fields) -> Ente:
        fields.setdefault("name", f"Ente {slug}")
        fields.setdefault("kind", EnteKind.COMUNE)
        return Ente.objects.create(slug=slug, **fields)

    return _make


@pytest.fixture
def make_person(db):
    def _make(ente: Ente, key: str = "mario-rossi", **fields) -> Person:
        fields.setdefault("first_name", "Mario")
        fields.setdefault("last_name", "Rossi")
        return Person.objects.create(ente=ente, key=key, **fields)

    return _make


@pytest.fixture
def make_user(db):
    def _make(
        username: str, ente: Ente | None = None, role: str | None = None, person=None, **fields
    ) -> User:
        user = User.objects.create_user(username=username, password="prova-Performa-1", **fields)
        if ente is not None and role is not None:
            Membership.objects.create(user=user, ente=ente, role=role, person=person)
        return user

    return _make


@pytest.fixture
def enter(client):
    """`enter(user, ente)`: log `user` in and put `ente` in the session, as the choice page does;
    without `ente`, only the login. Returns the test client."""

    def _enter(user, ente=None):
        client.force_login(user)
        if ente is not None:
            session = client.session
            session[SESSION_KEY] = ente.pk
            session.save()
        return client

    return _enter


@pytest.fixture
def login(enter):
    """The old name of `enter`, for the tests written before it; use `enter`."""
    return enter


@pytest.fixture
def world(db) -> World:
    return build_world()
