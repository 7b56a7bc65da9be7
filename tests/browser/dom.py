"""What the labeling view draws, read from its DOM: shared by the browser tests.

A plain module (``from tests.browser.dom import region, label_drawn``).
"""

from __future__ import annotations

from playwright.sync_api import Locator, Page


def region(page: Page, start: int, end: int) -> Locator:
    """The highlighted span of the region ``[start, end)`` of the text."""
    return page.locator(f"span.htx-highlight[data-start='{start}'][data-end='{end}']")


def label_drawn(region: Locator) -> str:
    """The label Label Studio paints after a region (its ``::after`` content)."""
    return str(region.evaluate("el => getComputedStyle(el, '::after').content"))
