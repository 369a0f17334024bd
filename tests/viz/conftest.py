"""Fixtures for the browser tests: one headless Chromium per module."""

from __future__ import annotations

import pytest

from tests.viz.browser import Browser, find_chromium, install_chromium


@pytest.fixture(scope="session")
def chromium() -> str:
    executable = find_chromium() or install_chromium()
    if executable is None:
        pytest.skip(
            "no Chromium: install it (apt-get install -y chromium), or set "
            "SCRATCHGRAD_INSTALL_BROWSER=1 to let the tests run apt-get as root"
        )
    return executable


@pytest.fixture(scope="module")
def browser(chromium, tmp_path_factory):
    b = Browser(chromium, tmp_path_factory.mktemp("chromium-profile"))
    yield b
    b.close()
