"""Every horizontally scrollable table wrapper can be reached with the keyboard (WCAG 2.1.1,
axe «scrollable-region-focusable»): a `.table-responsive` without `tabindex="0"` cannot be
scrolled by someone who does not use a mouse."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WRAPPER = re.compile(r"<div\b[^>]*\bclass=\"[^\"]*\btable-responsive\b[^\"]*\"[^>]*>")


def test_every_table_wrapper_is_focusable():
    missing = []
    templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
    assert len(templates) > 100  # the glob really finds the templates
    for template in templates:
        if ".venv" in template.parts:
            continue
        for tag in WRAPPER.findall(template.read_text(encoding="utf-8")):
            if 'tabindex="0"' not in tag:
                missing.append(f"{template.relative_to(ROOT)}: {tag}")
    assert missing == []
