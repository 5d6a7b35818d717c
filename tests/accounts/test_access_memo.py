"""`access_for` is read once per request and never reused by another request or user."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts import access as base
from accounts.access import access_for, request_memo
from accounts.models import Membership, MembershipRole

pytestmark = pytest.mark.django_db


def _membership_reads(captured: CaptureQueriesContext) -> int:
    return sum(
        1
        for query in captured.captured_queries
        if query["sql"].startswith("SELECT") and 'FROM "accounts_membership"' in query["sql"]
    )


def test_within_a_request_the_access_is_read_once(world):
    user = world.users["responsabile"]
    with request_memo(RequestFactory().get("/")), CaptureQueriesContext(connection) as captured:
        first = access_for(user, world.ente)
        again = access_for(user, world.ente)
        other_user = access_for(world.users["giunta"], world.ente)
        other_ente = access_for(user, world.other)
    assert _membership_reads(captured) == 3  # one per (user, ente), not per call
    assert again is first and first is not None and first.has(MembershipRole.RESPONSABILE)
    assert other_user is not None and other_user.roles == {MembershipRole.GIUNTA}
    assert other_ente is None


def test_without_a_request_every_call_reads_the_database(world):
    user = world.users["dipendente"]
    with CaptureQueriesContext(connection) as captured:
        access_for(user, world.ente)
        access_for(user, world.ente)
    assert _membership_reads(captured) == 2


def test_the_memo_ends_with_its_request(world):
    user = world.users["dipendente"]
    request = RequestFactory().get("/")
    with request_memo(request):
        before = access_for(user, world.ente)
        assert request.access_memo  # kept on the request, not in the process
    assert base._memo.get() is None
    Membership.objects.filter(user=user, ente=world.ente).update(role=MembershipRole.NUCLEO)
    with request_memo(RequestFactory().get("/")):
        after = access_for(user, world.ente)
    assert before is not None and before.roles == {MembershipRole.DIPENDENTE}
    assert after is not None and after.roles == {MembershipRole.NUCLEO}


def test_a_membership_written_during_the_request_is_seen_at_once(world):
    user = world.users["giunta"]
    with request_memo(RequestFactory().get("/")):
        assert not access_for(user, world.ente).has(MembershipRole.ADMIN)
        Membership.objects.create(user=user, ente=world.ente, role=MembershipRole.ADMIN)
        assert access_for(user, world.ente).has(MembershipRole.ADMIN)
        Membership.objects.filter(user=user, role=MembershipRole.ADMIN).get().delete()
        assert not access_for(user, world.ente).has(MembershipRole.ADMIN)


def test_a_page_reads_the_membership_once(enter, world):
    client = enter(world.users["admin"], world.ente)
    url = reverse("measurement:dashboard_ente")
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    assert _membership_reads(captured) == 1


def test_a_role_change_is_seen_by_the_next_request(enter, world):
    user = world.users["dipendente"]
    client = enter(user, world.ente)
    funds = reverse("rewards:fund_list")
    assert client.get(funds).status_code == 403
    membership = Membership.objects.create(user=user, ente=world.ente, role=MembershipRole.NUCLEO)
    page = client.get(funds)
    assert page.status_code == 200 and "Premi" in page.content.decode()
    membership.delete()
    assert client.get(funds).status_code == 403


def test_the_next_user_of_the_same_client_gets_their_own_access(enter, world):
    chart = reverse("organization:chart")
    people = reverse("accounts:people")
    admin_page = enter(world.users["admin"], world.ente).get(chart).content.decode()
    clerk_page = enter(world.users["dipendente"], world.ente).get(chart).content.decode()
    assert f'href="{people}"' in admin_page
    assert f'href="{people}"' not in clerk_page
