"""Every single-sign-on variable that the settings read is in both .env examples and the guide."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
USED = sorted(
    set(
        re.findall(
            r'"(PERFORMA_(?:OIDC|SAML|SPID_OIDC)_[A-Z_]+)"',
            (ROOT / "performa" / "settings.py").read_text(encoding="utf-8"),
        )
    )
)


def test_the_settings_read_sso_variables():
    assert "PERFORMA_SPID_OIDC_CLIENT_ID" in USED and "PERFORMA_SAML_SPID" in USED


@pytest.mark.parametrize("document", [".env.example", ".env.production.example", "docs/sso.md"])
def test_every_sso_variable_is_documented(document):
    text = (ROOT / document).read_text(encoding="utf-8")
    missing = [name for name in USED if not re.search(rf"\b{name}\b", text)]
    assert missing == [], f"{document} non nomina {missing}"
