"""The production shape in deploy/: the files parse and agree with each other and with the
settings (issue 12 §6). CI cannot start containers; it checks what can be checked without."""

from __future__ import annotations

import configparser
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def _read_by_the_code() -> set[str]:
    """Every environment variable named in quotes in the Python source of the project."""
    names: set[str] = set()
    for path in [*ROOT.glob("*/**/*.py"), DEPLOY / "gunicorn.conf.py"]:
        if ".venv" in path.parts or "tests" in path.parts:
            continue
        names.update(re.findall(r"[\"'](PERFORMA_[A-Z0-9_]+|DATABASE_URL)[\"']", path.read_text()))
    return names


def test_compose_has_the_database_the_web_processes_and_the_worker():
    services = _compose()["services"]
    assert {"db", "migrate", "web", "worker", "proxy"} <= set(services)
    assert services["db"]["image"].startswith("postgres:")
    web, worker = services["web"], services["worker"]
    assert web["command"][:3] == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    assert (DEPLOY / "gunicorn.conf.py").is_file()
    assert worker["command"][-1] == "db_worker"
    assert web["deploy"]["replicas"] >= 2
    for service in (web, worker):
        env = service["environment"]
        # One PostgreSQL database for every process; shared cache; nothing kept in a process.
        assert env["DATABASE_URL"].startswith("postgres://") and "@db:5432/" in env["DATABASE_URL"]
        assert env["PERFORMA_CACHE"] == "database"
        assert env["PERFORMA_ENVIRONMENT"] == "production"
        assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "createcachetable" in services["migrate"]["command"]


def test_every_setting_the_compose_file_gives_is_read_by_performa():
    read = _read_by_the_code()
    for name in ("web", "worker", "migrate"):
        given = set(_compose()["services"][name]["environment"])
        assert given - read == set(), name


def test_the_proxy_sends_to_the_web_port_and_serves_the_collected_static_files():
    text = (DEPLOY / "nginx.conf").read_text(encoding="utf-8")
    assert text.count("{") == text.count("}")
    upstream = re.search(r"upstream (\w+) \{", text)
    assert upstream and f"proxy_pass http://{upstream.group(1)};" in text
    port = re.search(r"server web:(\d+);", text)
    config = _gunicorn_config({})
    assert port and config["bind"].endswith(":" + port.group(1))
    static = re.search(r"location /static/ \{\s*alias ([^;]+);", text)
    mounts = _compose()["services"]["proxy"]["volumes"]
    assert static and any(m.startswith(f"static:{static.group(1).rstrip('/')}") for m in mounts)
    assert "/media/" not in text  # evidence is served by Performa, after the access check


def _gunicorn_config(env: dict[str, str]) -> dict:
    namespace: dict = {}
    saved = dict(os.environ)
    try:
        os.environ.update(env)
        exec((DEPLOY / "gunicorn.conf.py").read_text(encoding="utf-8"), namespace)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return namespace


def test_gunicorn_reads_its_size_from_the_environment():
    assert _gunicorn_config({})["workers"] == 2
    config = _gunicorn_config({"PERFORMA_WEB_WORKERS": "5", "PERFORMA_BIND": "127.0.0.1:9000"})
    assert config["workers"] == 5 and config["bind"] == "127.0.0.1:9000"


@pytest.mark.parametrize(
    ("unit", "command"),
    [
        ("performa-web.service", "deploy/gunicorn.conf.py"),
        ("performa-worker@.service", "db_worker"),
    ],
)
def test_the_systemd_units_parse_and_run_performa(unit, command):
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((DEPLOY / "systemd" / unit).read_text(encoding="utf-8"))
    service = parser["Service"]
    assert command in service["ExecStart"]
    assert service["EnvironmentFile"] and service["User"] == "performa"
    assert parser["Install"]["WantedBy"] == "multi-user.target"


def _settings(env: dict[str, str]) -> subprocess.CompletedProcess:
    code = "import performa.settings as s; print(s.CACHES['default']['BACKEND'])"
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_cache_is_shared_through_the_database_when_asked():
    assert _settings({"PERFORMA_CACHE": "locmem"}).stdout.strip().endswith("LocMemCache")
    shared = _settings({"PERFORMA_CACHE": "database"})
    assert shared.stdout.strip() == "django.core.cache.backends.db.DatabaseCache"
    wrong = _settings({"PERFORMA_CACHE": "redis"})
    assert wrong.returncode != 0 and "PERFORMA_CACHE" in wrong.stderr
