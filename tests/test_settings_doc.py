"""Every setting in readingroom.config.SETTINGS is documented in docs/settings.md, with its default and help."""

import re

import pytest

from readingroom.config import SETTINGS

from .conftest import ROOT

DOC = ROOT / "docs" / "settings.md"


def documented_sections() -> dict[str, str]:
    """{setting name: the text of its `## NAME` section}."""
    parts = re.split(r"^## +(\S+) *$", DOC.read_text(encoding="utf-8"), flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def squash(text: str) -> str:
    return " ".join(text.split())


def test_sections_parse():
    # Guards the parser itself: a doc it cannot read would make the checks below vacuous.
    sections = documented_sections()
    assert "READINGROOM_HOME" in sections
    assert "Default: `./archive`" in sections["READINGROOM_HOME"]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_setting_is_documented(setting):
    sections = documented_sections()
    assert setting.name in sections, f"add a '## {setting.name}' section to docs/settings.md"
    section = sections[setting.name]
    default = f"Default: `{setting.default}`" if setting.default else "Default: empty"
    assert re.search(rf"^{re.escape(default)}$", section, flags=re.M), (
        f"docs/settings.md: {setting.name} should say '{default}'"
    )
    assert squash(setting.help) in squash(section), (
        f"docs/settings.md: {setting.name} should include its help text: {setting.help!r}"
    )


def test_no_stale_settings_documented():
    declared = {s.name for s in SETTINGS}
    stale = sorted(set(documented_sections()) - declared)
    assert not stale, f"docs/settings.md documents settings that readingroom/config.py no longer has: {stale}"
