"""Italian error pages on the Performa base."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_404_is_italian(client):
    response = client.get("/pagina-che-non-esiste/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Pagina non trovata" in body and 'lang="it"' in body
    assert "Error 404" not in body


def test_500_is_italian_without_a_request_context():
    response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    body = response.content.decode()
    assert "Si è verificato un errore" in body and "nulla è stato salvato a metà" in body
