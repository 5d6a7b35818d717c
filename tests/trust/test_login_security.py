"""Login throttling, no HTTP Basic, idle sessions, production settings, CSP."""

from __future__ import annotations

import base64
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from accounts.models import MembershipRole
from core.models import AuditEntry
from security import throttle
from security.middleware import LAST_SEEN_KEY

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "prova-Performa-1"


@pytest.fixture
def segretario(make_ente, make_user):
    ente = make_ente("sicurezza")
    return make_user("segretario", ente=ente, role=MembershipRole.ADMIN)


def _login(client, username, password, ip="10.0.0.1"):
    return client.post(
        reverse("accounts:login"),
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
    )


def test_wrong_passwords_lock_the_user_out_even_with_the_right_one(client, segretario, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _login(client, "segretario", "sbagliata").status_code == 200
    assert _login(client, "segretario", "sbagliata").status_code == 429  # the limit locks
    refused = _login(client, "segretario", PASSWORD)
    assert refused.status_code == 429
    body = refused.content.decode()
    assert "Troppi tentativi di accesso non riusciti" in body
    assert "_auth_user_id" not in client.session
    entries = AuditEntry.objects.filter(action=throttle.LOCKOUT_ACTION)
    assert entries.count() == 1  # one row per lockout, not per refused attempt
    assert entries.get().changes["username"] == "segretario"


def test_the_lockout_holds_from_another_address_for_the_same_user(client, segretario, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "segretario", "sbagliata", ip=f"10.0.1.{n}")
    assert _login(client, "segretario", PASSWORD, ip="10.9.9.9").status_code == 429


def test_one_address_trying_many_users_is_locked_out(client, segretario, make_user, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        _login(client, f"utente{n}", "sbagliata", ip="10.0.0.7")
    # Even a correct login of another user is refused from that address...
    assert _login(client, "segretario", PASSWORD, ip="10.0.0.7").status_code == 429
    # ...but not from elsewhere.
    assert _login(client, "segretario", PASSWORD, ip="10.0.0.8").status_code == 302


def test_a_success_before_the_limit_resets_the_count(client, segretario, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "segretario", "sbagliata")
    assert _login(client, "segretario", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _login(client, "segretario", "sbagliata")
    assert _login(client, "segretario", PASSWORD).status_code == 302


def test_the_platform_admin_can_unlock(client, segretario, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "segretario", "sbagliata")
    call_command("axes_reset_username", "segretario", verbosity=0)
    call_command("axes_reset_ip", "10.0.0.1", verbosity=0)
    assert _login(client, "segretario", PASSWORD).status_code == 302


def test_client_address_behind_the_installations_proxy(rf, settings):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.PERFORMA_TRUSTED_PROXIES = 0
    assert throttle.client_ip(request) == "127.0.0.1"  # a forged header is not believed
    settings.PERFORMA_TRUSTED_PROXIES = 1
    assert throttle.client_ip(request) == "203.0.113.5"


def test_http_basic_is_not_accepted_by_the_api(client, segretario):
    credentials = base64.b64encode(f"segretario:{PASSWORD}".encode()).decode()
    response = client.get(reverse("api:cycles"), HTTP_AUTHORIZATION=f"Basic {credentials}")
    assert response.status_code in (401, 403)


def test_an_idle_session_expires(client, segretario, settings):
    settings.PERFORMA_SESSION_IDLE_MINUTES = 30
    client.force_login(segretario)
    assert client.get(reverse("accounts:choose_ente")).status_code == 200
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = client.get(reverse("accounts:choose_ente"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
    followed = client.get(response["Location"]).content.decode()
    assert "La sessione è scaduta dopo 30 minuti di inattività" in followed
    assert "_auth_user_id" not in client.session


def test_activity_keeps_the_session_alive(client, segretario, settings):
    settings.PERFORMA_SESSION_IDLE_MINUTES = 30
    client.force_login(segretario)
    session = client.session
    session[LAST_SEEN_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert client.get(reverse("accounts:choose_ente")).status_code == 200
    assert client.session[LAST_SEEN_KEY] > time.time() - 5


# --- Production settings ----------------------------------------------------------------------

PRODUCTION_ENV = {
    "PERFORMA_ENVIRONMENT": "production",
    "PERFORMA_SECRET_KEY": "k" * 30 + "-a-long-random-production-key-for-the-tests-0123456789",
    "PERFORMA_ALLOWED_HOSTS": "performa.example.it",
    "PERFORMA_CSRF_TRUSTED_ORIGINS": "https://performa.example.it",
    "PERFORMA_BEHIND_PROXY": "true",
    "DATABASE_URL": "postgres://performa@127.0.0.1:5432/performa",
}


def _manage(*args, **env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("PERFORMA_")}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_env():
    documented = {}
    for line in (ROOT / ".env.production.example").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            key, value = line.split("=", 1)
            documented[key] = value
    documented["PERFORMA_SECRET_KEY"] = PRODUCTION_ENV["PERFORMA_SECRET_KEY"]
    done = _manage("check", "--deploy", "--fail-level", "WARNING", **documented)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(
    ("override", "reason"),
    [
        ({"PERFORMA_DEBUG": "true"}, "PERFORMA_DEBUG è attivo"),
        ({"PERFORMA_SECRET_KEY": ""}, "PERFORMA_SECRET_KEY manca"),
        ({"PERFORMA_SECRET_KEY": "corta"}, "troppo corta"),
        ({"PERFORMA_SECURE_COOKIES": "false"}, "i cookie non sono sicuri"),
        ({"PERFORMA_ALLOWED_HOSTS": ""}, "PERFORMA_ALLOWED_HOSTS è vuoto"),
    ],
)
def test_production_refuses_to_start_with_unsafe_settings(override, reason):
    env = {**PRODUCTION_ENV, **override}
    env = {k: v for k, v in env.items() if v != ""}
    done = _manage("check", **env)
    assert done.returncode != 0
    assert "Performa non si avvia in produzione" in done.stderr
    assert reason in done.stderr


def test_development_keeps_debug_for_make_run():
    done = _manage("shell", "-c", "from django.conf import settings; print(settings.DEBUG)")
    assert done.stdout.strip().splitlines()[-1] == "True", done.stderr


# --- Content-Security-Policy ------------------------------------------------------------------

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.IGNORECASE)


def test_pages_send_a_policy_without_inline_scripts(client, segretario):
    client.force_login(segretario)
    response = client.get(reverse("accounts:choose_ente"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert "frame-ancestors 'none'" in policy


def test_no_template_has_inline_scripts_or_event_handlers():
    """Every template of the product satisfies `script-src 'self'`."""
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        if "/pdf/" in str(path):  # rendered to PDF on the server, never served to a browser
            continue
        text = path.read_text(encoding="utf-8")
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
