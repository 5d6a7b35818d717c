"""A write the database cannot take gets 503 «riprova», never a 500 (core.db)."""

from __future__ import annotations

import psycopg
import pytest
from django.db import OperationalError
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from core import db


def _locked_view(request):
    raise OperationalError("database is locked")


def _broken_view(request):
    raise OperationalError("no such table: planning_cycle")


urlpatterns = [
    path("occupato/", _locked_view),
    path("api/occupato/", _locked_view),
    path("rotto/", _broken_view),
]


@pytest.fixture
def client_here(client, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize(
    ("error", "busy"),
    [
        (OperationalError("database is locked"), True),
        (OperationalError("database table is locked: x"), True),
        (OperationalError("no such table: x"), False),
        (ValueError("database is locked"), False),
    ],
)
def test_busy_errors_are_recognised_by_their_message(error, busy):
    assert db.is_busy_error(error) is busy


@pytest.mark.parametrize(
    "cause",
    [
        psycopg.errors.SerializationFailure("could not serialize"),
        psycopg.errors.DeadlockDetected("deadlock detected"),
        psycopg.errors.LockNotAvailable("canceling statement due to lock timeout"),
    ],
)
def test_postgresql_retry_errors_are_busy_too(cause):
    error = OperationalError(str(cause))
    error.__cause__ = cause
    assert db.is_busy_error(error)


@pytest.mark.django_db
def test_a_page_gets_the_italian_retry_message(client_here):
    response = client_here.get("/occupato/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(db.RETRY_AFTER_SECONDS)
    assert "riprova tra qualche secondo" in response.content.decode()


@pytest.mark.django_db
def test_the_api_gets_json(client_here):
    response = client_here.get("/api/occupato/")
    assert response.status_code == 503
    assert response.json()["code"] == "busy"


@pytest.mark.django_db
def test_htmx_gets_a_fragment_it_will_show(client_here):
    response = client_here.get("/occupato/", HTTP_HX_REQUEST="true")
    assert response.status_code == 503
    assert response["HX-Reswap"] == "innerHTML"
    assert 'role="alert"' in response.content.decode()


@pytest.mark.django_db
def test_other_database_errors_stay_errors(client_here):
    assert client_here.get("/rotto/").status_code == 500


def test_an_error_raised_by_an_inner_middleware_is_turned_into_retry_too():
    """The session saved after the view fails: Django makes a 500 and signals the error."""
    request = RequestFactory().post("/piano/")

    def inner(request):
        try:
            raise OperationalError("database is locked")
        except OperationalError:
            db._mark_busy(sender=None, request=request)
        return HttpResponse(status=500)

    response = db.BusyDatabaseMiddleware(inner)(request)
    assert response.status_code == 503
