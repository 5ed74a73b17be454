"""A real headless browser for page tests: Debian's chromium (``make test`` installs it when missing)."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if not found:
        pytest.fail("no chromium: `make test` installs Debian's chromium package (apt-get install chromium)")
    return found


def browse(url: str, *args: str) -> subprocess.CompletedProcess:
    """Run headless chromium on ``url`` with extra flags (``--dump-dom``, ``--screenshot=PATH``, ...)."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"]
    return subprocess.run([chromium(), *flags, *args, url], capture_output=True, text=True, timeout=90)


def dom(url: str) -> str:
    """The page as the browser built it."""
    done = browse(url, "--dump-dom")
    assert done.returncode == 0 and "<html" in done.stdout, done.stderr[-2000:]
    return done.stdout
