"""Fixtures of the interchange tests."""

from __future__ import annotations

import pytest

from interchange.importer import import_cycle
from tests.interchange.documents import rich_document


@pytest.fixture
def rich_cycle(db):
    return import_cycle(rich_document())


@pytest.fixture(autouse=True)
def _tasks_at_once(settings):
    """The background plan import runs at once (after the request's transaction commits)."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
