"""Every management command of Performa answers `--help` (argparse formats help texts with
`%`, so one bare «%» in an option's help turns `--help` into a traceback)."""

from __future__ import annotations

import io

import pytest
from django.core.management import get_commands, load_command_class

PERFORMA_COMMANDS = sorted(
    (name, app)
    for name, app in get_commands().items()
    if not app.startswith(("django.", "rest_framework", "drf_spectacular", "django_tasks"))
)


@pytest.mark.parametrize(("name", "app"), PERFORMA_COMMANDS)
def test_the_command_prints_its_help(name, app):
    command = load_command_class(app, name)
    parser = command.create_parser("manage.py", name)
    out = io.StringIO()
    parser.print_help(file=out)
    assert f"manage.py {name}" in out.getvalue()


def test_performa_has_its_own_commands():
    names = {name for name, _ in PERFORMA_COMMANDS}
    assert {"distribute_premiums", "import_cycle", "export_cycle", "load_demo"} <= names
