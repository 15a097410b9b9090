"""The browser and checker tests never pass in CI by skipping: a missing tool fails
them there, and elsewhere skips them saying how to install it."""
from __future__ import annotations

import pytest

from browsing import missing


def test_in_ci_a_missing_tool_fails_the_test_and_says_how_to_install_it(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match=r"^CI: Chromium is missing; install it with `bash tests/setup.sh`$"):
        missing("Chromium")


@pytest.mark.parametrize("value", ["", "false", "0"])
def test_outside_ci_a_missing_tool_skips_the_test_and_says_how_to_install_it(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.skip.Exception, match=r"^Chromium is missing; install it with `bash tests/setup.sh`$"):
        missing("Chromium")
