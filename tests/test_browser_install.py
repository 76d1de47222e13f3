"""`make test` on a machine without Chromium: one line saying what to do, never a traceback per test.

Both run as a new user would meet them, in a subprocess with no chromium on PATH and an empty Playwright
browser folder (so `playwright install chromium` has to download, which this machine's closed network refuses).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.chromium import NO_BROWSER

ROOT = Path(__file__).resolve().parents[1]


def _without_chromium(tmp_path: Path) -> dict[str, str]:
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    browsers = tmp_path / "ms-playwright"
    browsers.mkdir()
    # No chromium and no apt-get on PATH; Playwright looks for its own build in an empty folder.
    return {**os.environ, "PATH": str(empty_bin), "PLAYWRIGHT_BROWSERS_PATH": str(browsers)}


def test_the_installer_says_what_to_install_when_it_cannot(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "tests/browser/chromium.py"],
        cwd=ROOT,
        env=_without_chromium(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1] == NO_BROWSER
    assert 'pytest -m "not browser"' in NO_BROWSER
    assert "Traceback" not in done.stdout + done.stderr


def test_pytest_stops_with_one_line_instead_of_a_traceback_per_browser_test(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "tests/browser", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=_without_chromium(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert NO_BROWSER in done.stderr
    assert "Traceback" not in done.stdout + done.stderr
