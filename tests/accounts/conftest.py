from __future__ import annotations

import pytest

from accounts.middleware import SESSION_KEY
from tests.organization.builders import World, build_world


@pytest.fixture
def world(db) -> World:
    return build_world()


@pytest.fixture
def enter(client):
    """Log `user` in and put `ente` in the session, as the choice page does."""

    def _enter(user, ente=None):
        client.force_login(user)
        if ente is not None:
            session = client.session
            session[SESSION_KEY] = ente.pk
            session.save()
        return client

    return _enter
