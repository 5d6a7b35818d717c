"""The weekly digest of «Cosa devo fare» (desk/digest.py, `manage.py send_digest`) and the
preference on «Il mio account»."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts import services
from accounts.models import Membership, MembershipRole, User
from core.audit import AuditEntry
from core.exceptions import ServiceError
from desk.digest import send_digests
from tests.desk.test_home import TODAY, _monitoring

pytestmark = pytest.mark.django_db

BASE = "https://performa.example.it"


@pytest.fixture(autouse=True)
def _locmem(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _opt_in(user: User, email: str) -> User:
    user.email = email
    user.save()
    return services.digest_preference_set(user=user, enabled=True)


def test_only_the_users_who_asked_get_their_own_list(world):
    _monitoring(world)
    _opt_in(world.users["responsabile"], "anna@example.it")
    _opt_in(world.users["giunta"], "giunta@example.it")  # nothing awaits the Giunta
    world.users["admin"].email = "segretario@example.it"  # has tasks, did not ask
    world.users["admin"].save()

    report = send_digests(today=TODAY, base_url=BASE + "/")
    assert report.sent == ["responsabile"] and report.nothing_to_do == ["giunta"]
    [message] = mail.outbox
    assert message.to == ["anna@example.it"]
    assert message.subject == ("Performa – cosa devo fare: 1 attività (settimana del 15/10/2024)")
    assert "3 valori in ritardo da inserire – scadenza 30/09/2024 (in ritardo)" in message.body
    assert f"{BASE}{reverse('measurement:my_deadlines')}?anno=2024" in message.body
    assert f"{BASE}{reverse('accounts:my_account')}" in message.body
    [(html, kind)] = message.alternatives
    assert kind == "text/html" and '<html lang="it">' in html
    assert f'href="{BASE}{reverse("measurement:my_deadlines")}?anno=2024"' in html
    assert "Unione dei Comuni di Prova" in html


def test_inactive_users_and_users_without_address_get_nothing(world):
    _monitoring(world)
    user = _opt_in(world.users["responsabile"], "anna@example.it")
    user.is_active = False
    user.save()
    assert send_digests(today=TODAY, base_url=BASE).sent == []
    assert mail.outbox == []


def test_the_preference_is_the_users_own_and_audited(world):
    user = world.users["dipendente"]
    with pytest.raises(ServiceError, match="serve un indirizzo e-mail"):
        services.digest_preference_set(user=user, enabled=True)
    _opt_in(user, "luca@example.it")
    assert User.objects.get(pk=user.pk).weekly_digest
    entry = AuditEntry.objects.get(action="account.digest")
    assert entry.user == user and entry.changes == {"weekly_digest": [False, True]}
    services.digest_preference_set(user=user, enabled=True)  # no change, no second row
    assert AuditEntry.objects.filter(action="account.digest").count() == 1


def test_my_account_page_sets_the_preference(world, enter):
    user = world.users["responsabile"]
    user.email = "anna@example.it"
    user.save()
    client = enter(user, world.ente)
    page = client.get(reverse("accounts:my_account")).content.decode()
    assert "Riepilogo settimanale" in page and "Responsabile di unità" in page
    response = client.post(reverse("accounts:my_account"), {"weekly_digest": "on"})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).weekly_digest
    client.post(reverse("accounts:my_account"), {})
    assert not User.objects.get(pk=user.pk).weekly_digest


def test_my_account_page_explains_a_refusal(world, enter):
    client = enter(world.users["dipendente"], world.ente)
    response = client.post(reverse("accounts:my_account"), {"weekly_digest": "on"})
    assert response.status_code == 400
    assert "serve un indirizzo e-mail" in response.content.decode()


def test_the_command_sends_and_reports(world):
    _monitoring(world)
    _opt_in(world.users["responsabile"], "anna@example.it")
    out = io.StringIO()
    call_command("send_digest", base_url=BASE, date="15/10/2024", stdout=out)
    assert "Riepiloghi inviati: 1; nulla da fare: 0" in out.getvalue()
    assert len(mail.outbox) == 1
    call_command("send_digest", base_url=BASE, date="15/10/2024", dry_run=True, stdout=out)
    assert len(mail.outbox) == 1


def test_the_command_needs_the_site_address(world):
    with pytest.raises(CommandError, match="--base-url"):
        call_command("send_digest", base_url="")
    with pytest.raises(CommandError, match="non è una data valida"):
        call_command("send_digest", base_url=BASE, date="32/13/2024")


def test_a_user_of_two_enti_gets_both_lists_in_one_message(world):
    _monitoring(world)
    user = _opt_in(world.users["responsabile"], "anna@example.it")
    Membership.objects.create(user=user, ente=world.other, role=MembershipRole.ADMIN)
    send_digests(today=dt.date(2024, 10, 15), base_url=BASE)
    [message] = mail.outbox
    assert "Unione dei Comuni di Prova" in message.body
    # The other ente has no open cycle: nothing there, so no part for it.
    assert "Comune Altro" not in message.body


# --- the calendar feed ---------------------------------------------------------------------


def test_the_calendar_feed_works_without_login_until_the_password_changes(client, enter, world):
    from desk.feeds import feed_token

    _monitoring(world)
    user = world.users["responsabile"]
    url = reverse("desk:calendar_feed", args=[feed_token(user, world.ente)])
    # The home page gives the address (when there are deadlines).
    home = enter(user, world.ente).get(reverse("desk:home")).content.decode()
    assert url in home
    client.logout()
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert "SUMMARY:3 valori in ritardo da inserire" in response.content.decode()
    # Another ente, a forged MAC, a changed password, a revoked role: no calendar.
    other = reverse("desk:calendar_feed", args=[feed_token(user, world.other)])
    assert client.get(other).status_code == 404
    assert client.get(url[:-8] + "0000.ics").status_code == 404
    user.set_password("un'altra-Password-9")
    user.save()
    assert client.get(url).status_code == 404
    fresh = reverse("desk:calendar_feed", args=[feed_token(user, world.ente)])
    assert client.get(fresh).status_code == 200
    Membership.objects.filter(user=user).delete()
    assert client.get(fresh).status_code == 404
