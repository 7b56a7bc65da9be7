"""A real browser on the real server: Debian's Chromium driven by Playwright for Python.

Nothing is downloaded: Playwright launches ``/usr/bin/chromium`` (``make install-browser``
installs the Debian package) through ``executable_path``; ``playwright install`` is never
run. A missing browser is a failure, not a skip. The background-networking flags matter on
a machine without internet: Chromium's own connections (updates, sync, field trials) are
refused there and slow every start.

Fixtures, kept general for other browser tests:

- ``browser``: one Chromium per session.
- ``page``: a fresh context and page at a laptop's 1366×768.
- ``login``: ``login(page)`` signs the admin into that server in the browser;
  ``login(page, email, password)`` signs in another user.
- ``open_task``: ``open_task(page, project_id, task_id)`` shows a task in the labeling view.
- ``shot``: ``shot(page, name)`` saves a screenshot to ``.artifacts/browser/NAME.png``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent.parent / ".artifacts" / "browser"
VIEWPORT = {"width": 1366, "height": 768}
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
#: The first load of the labeling app compiles a few MB of JavaScript: slow on a loaded box.
LOAD_TIMEOUT_MS = 90_000


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless; fails with the reason when it is not installed."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make install-browser` (Debian package chromium)")
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh browser context (no cookies) and page at 1366×768."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(30_000)
    tab = context.new_page()
    try:
        yield tab
    finally:
        context.close()


@pytest.fixture(scope="module")
def login(studio_server) -> Callable[..., None]:
    """``login(page)``: the admin (or the user ``email``) signs in through Label Studio's
    own login form."""
    info, creds = studio_server

    def sign_in(tab: Page, email: str | None = None, password: str | None = None) -> None:
        tab.goto(f"{info.url}/user/login/")
        tab.fill("input[name=email]", email or creds.username)
        tab.fill("input[name=password]", password or creds.password)
        tab.click("button[type=submit]")
        tab.wait_for_url(lambda url: "/user/login" not in url, timeout=LOAD_TIMEOUT_MS)

    return sign_in


@pytest.fixture(scope="module")
def open_task(studio_server) -> Callable[[Page, int, int], None]:
    """``open_task(page, project_id, task_id)``: the labeling view, its text drawn."""
    info, _ = studio_server

    def show(tab: Page, project_id: int, task_id: int) -> None:
        tab.goto(f"{info.url}/projects/{project_id}/data?task={task_id}")
        tab.locator(".lsf-richtext__line").first.wait_for(timeout=LOAD_TIMEOUT_MS)

    return show


@pytest.fixture(scope="session")
def shot() -> Callable[[Page, str], Path]:
    """``shot(page, name)``: a screenshot in the test artifacts (``.artifacts/browser``)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(tab: Page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        tab.screenshot(path=str(path))
        return path

    return take
