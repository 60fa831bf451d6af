"""The dashboard in a real headless Chromium (Debian's), driven by Playwright.

`make browser` (or `.ci/run` as root) installs Chromium; without it these tests skip.
Screenshots go to BASIS_SCREENSHOTS when set (to look at them), else to a temp folder.
"""

from __future__ import annotations

import json
import os
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from basis.api.app import create_app
from basis.config.settings import Settings
from tests.api.stubs import FAST, PASSWORDS, serving
from tests.cli.runner import run

pytestmark = pytest.mark.browser
CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is not installed; `make browser` installs Debian's chromium")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield launched
        launched.close()


@pytest.fixture
def site(settings: Settings) -> Iterator[str]:
    with serving(create_app(settings, FAST)) as url:
        yield url


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("BASIS_SCREENSHOTS", tmp_path / "shots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _sign_in(page: Any, site: str, name: str) -> None:
    page.goto(f"{site}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORDS[name])
    page.click("#sign-in")
    page.wait_for_url(f"{site}/")


def _shoot(page: Any, shots: Path, name: str) -> None:
    """Screenshot the page and check it is not blank: a flat image's filtered scanlines hold
    a handful of byte values, a rendered page's text and lines hundreds."""
    path = shots / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert len(set(_png_bytes(path.read_bytes()))) > 64, f"{name}: the screenshot looks blank"
    assert page.inner_text("body").strip(), f"{name}: the page shows no text"


def _png_bytes(png: bytes) -> bytes:
    """The PNG's decompressed scanlines (filtered; enough to tell a blank image)."""
    position, chunks = 8, []
    while position < len(png):
        (length,) = struct.unpack(">I", png[position : position + 4])
        kind = png[position + 4 : position + 8]
        if kind == b"IDAT":
            chunks.append(png[position + 8 : position + 8 + length])
        position += 12 + length
    return zlib.decompress(b"".join(chunks))


def _launch(page: Any, site: str, mode: str) -> str:
    page.goto(f"{site}/launch")
    page.select_option("select[name=mode]", mode)
    page.select_option("select[name=data]", "scenario:default")
    page.click("#launch")
    page.wait_for_url(f"{site}/jobs/*")
    return str(page.url)


def test_trader_launches_watches_opens_compares_and_logs_out(
    browser: Any,
    site: str,
    shots: Path,
    scenario_catalog: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(request.url))
    frames: list[str] = []
    page.on(
        "websocket",
        lambda socket: socket.on("framereceived", lambda frame: frames.append(str(frame))),
    )
    page.goto(f"{site}/login")
    _shoot(page, shots, "login")
    _sign_in(page, site, "tom")
    _shoot(page, shots, "runs-empty")
    page.goto(f"{site}/launch")
    _shoot(page, shots, "launch")
    _launch(page, site, "eth_basis")
    _shoot(page, shots, "job")
    page.wait_for_selector("#job-run", timeout=120_000)
    assert "done" in page.inner_text("#job-state")
    # The page's socket signed in with the session cookie (job frames follow when the job
    # outlasts the page load, which a fast machine need not give).
    assert any('"type": "hello"' in frame for frame in frames)
    page.click("#job-run")
    page.wait_for_selector("#figure-equity .main-svg", timeout=30_000)
    assert page.locator(".js-plotly-plot").count() >= 3
    assert "apy" in page.inner_text("#summary")
    _shoot(page, shots, "run")
    # The page shows the numbers `basis backtest --json` prints for the same parameters.
    monkeypatch.setenv("BASIS_CATALOG", str(scenario_catalog))
    printed = run(monkeypatch, "backtest", "--mode", "eth_basis", "--json")
    document = json.loads(printed.stdout)
    final = page.locator("#summary tr", has_text="final equity").inner_text()
    assert f"{document['final_equity']:,.2f} USDT" in final
    apy = page.locator("#summary tr", has_text="apy").first.inner_text()
    assert f"{100 * document['metrics']['apy']:.2f} %" in apy
    _launch(page, site, "btc_basis")
    page.wait_for_selector("#job-run", timeout=120_000)
    page.goto(f"{site}/")
    boxes = page.locator("input[name=ids]")
    assert boxes.count() == 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    _shoot(page, shots, "runs")
    page.click("#compare")
    page.wait_for_selector("#figure-compare .main-svg", timeout=30_000)
    assert page.locator("#compare-table th a").count() == 2
    _shoot(page, shots, "compare")
    page.goto(f"{site}/research")
    _shoot(page, shots, "research")
    page.goto(f"{site}/live")
    assert page.locator("#kill-switch").count() == 1
    _shoot(page, shots, "live-trader")
    page.click("#logout")
    page.wait_for_url(f"{site}/login")
    page.goto(f"{site}/")
    page.wait_for_url(f"{site}/login?next=/")
    assert failed == []
    page.close()


def test_viewer_never_sees_the_kill_switch_and_its_route_refuses_them(
    browser: Any, site: str, shots: Path
) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
    _sign_in(page, site, "vera")
    page.goto(f"{site}/live")
    assert "no live runner" in page.inner_text("#live-status")
    assert page.locator("#kill-switch").count() == 0
    _shoot(page, shots, "live-viewer-phone")
    status = page.evaluate(
        """async () => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const response = await fetch('/api/v1/live/kill',
                {method: 'POST', headers: {'X-CSRF-Token': token}});
            return response.status;
        }"""
    )
    assert status == 403
    page.close()


def test_the_admin_sees_users(browser: Any, site: str, shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _sign_in(page, site, "alice")
    page.goto(f"{site}/users")
    assert page.locator("#users tbody tr").count() == 3
    _shoot(page, shots, "users")
    page.close()
