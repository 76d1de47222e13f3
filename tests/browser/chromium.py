"""Which Chromium the browser tests drive, and `make test`'s installer when there is none.

Debian's ``chromium`` package when it is installed; otherwise Playwright's own build (``playwright install
chromium``). ``python tests/browser/chromium.py`` makes sure one of them is there: it installs Debian's
package through apt when it can (root on Debian), else Playwright's build, and when neither works it prints
one line saying what to install and how to skip the browser tests, and exits 1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

SKIP_HINT = 'or run the other tests alone: .venv/bin/python -m pytest -m "not browser"'
NO_BROWSER = (
    "No Chromium for the browser tests: install Debian's package (sudo apt-get install chromium) or "
    f"Playwright's build (.venv/bin/playwright install chromium), {SKIP_HINT}"
)


def system_chromium() -> str | None:
    """Debian's chromium (``/usr/bin/chromium``), or any ``chromium`` on PATH."""
    return shutil.which("chromium")


def playwright_chromium() -> str | None:
    """Playwright's own Chromium build, when ``playwright install chromium`` has put it in place."""
    with sync_playwright() as playwright:
        path = playwright.chromium.executable_path
    return path if Path(path).exists() else None


def available() -> str | None:
    return system_chromium() or playwright_chromium()


def _run(command: list[str]) -> bool:
    """Run an installer; on failure show its last line, not its stack."""
    print(f"[make test] {' '.join(command)}", flush=True)
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    if done.returncode != 0:
        lines = [line.strip() for line in (done.stderr + done.stdout).splitlines() if any(c.isalpha() for c in line)]
        reason = next((line for line in lines if "error" in line.lower()), lines[-1] if lines else "no output")
        print(f"[make test] that failed: {reason[:200]}", file=sys.stderr, flush=True)
    return done.returncode == 0


def _install_debian_package() -> bool:
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Wait for another apt or dpkg run to finish rather than failing on its lock.
    apt = ["apt-get", "-o", "DPkg::Lock::Timeout=300"]
    update = subprocess.run([*apt, "update", "-qq"], check=False, env=env)
    if update.returncode != 0:
        return False
    print("[make test] installing Debian's chromium for the browser tests (apt-get install chromium)", flush=True)
    return subprocess.run([*apt, "install", "-y", "-qq", "chromium"], check=False, env=env).returncode == 0


def _install_playwright_build() -> bool:
    playwright = Path(sys.executable).with_name("playwright")
    return playwright.exists() and _run([str(playwright), "install", "chromium"])


def ensure() -> int:
    """0 when a Chromium is there (installing one if needed), 1 with one explanatory line otherwise."""
    if available():
        return 0
    for install in (_install_debian_package, _install_playwright_build):
        if install() and available():
            return 0
    print(NO_BROWSER, file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(ensure())
