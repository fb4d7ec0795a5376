"""The report in a real browser: headless Chromium (Debian's ``chromium``) loads it with no console
errors, the DOM has every section, and a screenshot is taken (not blank)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def _chromium() -> str:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(
        "chromium is not installed (Debian: apt-get install -y chromium; .ci/run installs it as root)"
    )


def _run(binary: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / f"profile-{len(list(tmp_path.iterdir()))}"
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=600,  # a ceiling for a hung browser only: a slow machine must not fail the test
        check=False,
    )


def _page_errors(stderr: str) -> list[str]:
    """Console messages, uncaught exceptions and failed loads from Chromium's log (not its dbus chatter)."""
    markers = ("Uncaught", "CONSOLE(", ":CONSOLE", "Failed to load resource", "net::ERR_")
    return [line for line in stderr.splitlines() if any(m in line for m in markers)]


def test_report_renders_in_headless_chromium(tiny_report: Path, tmp_path: Path) -> None:
    binary = _chromium()
    url = tiny_report.resolve().as_uri()

    dom = _run(binary, tmp_path, "--enable-logging=stderr", "--v=0", "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert not _page_errors(dom.stderr), _page_errors(dom.stderr)
    for anchor in ("findings", "groups", "funnel", "england", "gradient", "representation", "triangulation"):
        assert f'<section id="{anchor}">' in dom.stdout, anchor
    assert dom.stdout.count("<svg") >= 6
    assert "&lt;script&gt;" in dom.stdout  # the hostile comment stayed text

    shot = tmp_path / "report.png"
    result = _run(
        binary,
        tmp_path,
        "--enable-logging=stderr",
        "--v=0",
        f"--screenshot={shot}",
        "--window-size=1280,4000",
        url,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert not _page_errors(result.stderr), _page_errors(result.stderr)
    assert shot.exists() and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")

    from PIL import Image  # matplotlib's dependency

    with Image.open(shot) as image:
        assert image.size == (1280, 4000)
        colours = image.convert("RGB").resize((64, 200)).getcolors(maxcolors=64 * 200)
    assert colours is not None and len(colours) > 50  # charts and text, not a blank page
    nhs_blue = sum(count for count, (r, g, b) in colours if r < 40 and 70 < g < 120 and b > 150)
    assert nhs_blue > 0  # the NHS Blue header and chart marks were painted
