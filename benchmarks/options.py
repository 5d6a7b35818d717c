"""The command-line options that `benchmark` and `benchmark_load` share."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import CommandError

from benchmarks.synthetic import PROFILES


def add_report_arguments(parser) -> None:
    """--pages, --output (the Markdown report) and --json (every measure)."""
    parser.add_argument(
        "--pages", default="", help="solo le pagine il cui nome contiene uno di questi testi"
    )
    parser.add_argument("--output", default=str(Path(settings.BASE_DIR) / "docs" / "benchmarks.md"))
    parser.add_argument("--json", help="file JSON con tutte le misure")


def chosen_profiles(raw: str, *, required: bool = False) -> list[str]:
    """The profiles named in `raw` (comma-separated), each a known one; at least one when
    `required`."""
    profiles = [name.strip() for name in raw.split(",") if name.strip()]
    unknown = [name for name in profiles if name not in PROFILES]
    if unknown or (required and not profiles):
        known = ", ".join(sorted(PROFILES))
        raise CommandError(f"Profilo sconosciuto: {', '.join(unknown)} (profili: {known}).")
    return profiles
