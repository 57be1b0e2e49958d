"""The HTML page in a real headless Chromium: offline, by keyboard, on a phone, with user text.

Needs Debian's ``chromium`` and Playwright's Python package (``bash scripts/test`` installs
both; Playwright's own browser download is not used). Run alone with
``python -m pytest tests/test_browser.py -m browser``.

Also makes the README's screenshot: ``python tests/test_browser.py docs/screenshot-mazur.png``.
"""

from __future__ import annotations

import itertools
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from glassnet.cli import main

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
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
MISSING = "run `bash scripts/test`, which installs Chromium (apt) and Playwright (pip)"
EXAMPLES = Path(__file__).parents[1] / "src" / "glassnet" / "examples"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module; Playwright gives it a fresh, temporary profile."""
    with launched() as chromium:
        yield chromium


@contextmanager
def launched() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail(f"Playwright's Python package is missing: {MISSING}", pytrace=False)
    if shutil.which(CHROMIUM) is None:
        pytest.fail(f"{CHROMIUM} is missing: {MISSING}", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield chromium
        finally:
            chromium.close()


@contextmanager
def window(browser: Any, width: int, height: int, scale: int = 1) -> Iterator[Any]:
    """A new browser context (no shared state with the others) of the given size."""
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale
    )
    try:
        yield context
    finally:
        context.close()


class Watched:
    """A page that may load its own file and nothing else; it records every attempt."""

    def __init__(self, context: Any, path: Path):
        self.url = path.resolve().as_uri()
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page = context.new_page()
        self.page.route("**/*", self.route)
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on(
            "console",
            lambda message: message.type == "error" and self.errors.append(message.text),
        )
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", self.dialog)
        self.page.goto(self.url)

    def route(self, route: Any) -> None:
        if route.request.url == self.url:
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def assert_clean(self) -> None:
        """Nothing left the page and nothing went wrong."""
        assert self.blocked == []
        assert self.requests == [self.url]
        assert self.errors == []
        assert self.dialogs == []

    def state(self) -> tuple[str, tuple[str, ...], str]:
        """The status line, what the diagram highlights, and the current step in the list."""
        status, highlighted, current = self.page.evaluate(
            """() => [
                document.querySelector('.gn-status').textContent,
                Array.from(document.querySelectorAll('svg.gn-diagram:not(.gn-mini) .gn-hl'))
                     .map(e => e.dataset.id),
                Array.from(document.querySelectorAll('.gn-all .gn-current-step'))
                     .map(e => e.id).join(' '),
            ]"""
        )
        return str(status), tuple(highlighted), str(current)

    def overflow(self) -> tuple[int, int]:
        """The page's width and the window's: equal when nothing sticks out sideways."""
        width, window = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
        )
        return int(width), int(window)


def write_page(path: Path, *args: str) -> Path:
    assert main(["explain", *args, "--format", "html", "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def mazur_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_page(tmp_path_factory.mktemp("html") / "mazur.html", "mazur")


@pytest.mark.slow
def test_mazur_by_keyboard_offline(browser: Any, mazur_page: Path, tmp_path: Path) -> None:
    with window(browser, 1280, 900) as context:
        page = Watched(context, mazur_page)
        status = page.state()[0]
        total = int(re.fullmatch(r"Step 1 of (\d+): .*", status).group(1))  # type: ignore[union-attr]
        assert total == 35
        page.page.screenshot(path=tmp_path / "mazur-start.png")
        states = [page.state()]
        for _ in range(total - 1):
            page.page.keyboard.press("ArrowRight")
            states.append(page.state())
        for (s1, h1, c1), (s2, h2, c2) in itertools.pairwise(states):
            assert s2 != s1 and c2 != c1
            assert h2 != h1, (s1, s2)
        assert states[-1][0] == f"Step {total} of {total}: After the update · the error"
        # Forward pass neuron by neuron, with each neuron's output appearing on the diagram.
        forward = [s for s, _, _ in states if "Forward pass" in s]
        assert [s.rsplit(" · ", 1)[1] for s in forward] == ["h1", "h2", "o1", "o2"]
        page.page.keyboard.press("ArrowRight")  # already at the end: stays there
        assert page.state()[0] == states[-1][0]
        assert page.page.is_disabled("[data-go=next]")
        # At the end the diagram shows w5 after its update.
        label = page.page.locator("svg.gn-diagram .gn-wlabel", has_text="w5")
        assert label.text_content().split() == ["w5", "0.3589"]
        page.page.screenshot(path=tmp_path / "mazur-end.png")

        label.click()
        derivation = page.page.inner_text(".gn-derivation-body")
        assert "Derivation of w5" in derivation
        assert "0.0821670406" in derivation
        assert "0.35891648" in derivation
        # The path: w5 from h1 into o1 lights up, and the button says which is shown.
        highlighted = page.state()[1]
        assert {"w1.0.0", "n0.0", "n1.0"} <= set(highlighted)
        assert "w0.0.0" not in highlighted
        assert page.page.get_attribute("button[aria-pressed=true]", "data-param") == "w1.0.0"
        page.page.screenshot(path=tmp_path / "mazur-w5.png", full_page=True)
        page.assert_clean()


def test_keyboard_only_controls(browser: Any, mazur_page: Path) -> None:
    with window(browser, 1280, 900) as context:
        page = Watched(context, mazur_page)
        # Tab reaches the Next button; Enter presses it; the focus ring is visible.
        for _ in range(10):
            page.page.keyboard.press("Tab")
            if page.page.evaluate("() => document.activeElement.dataset.go") == "next":
                break
        else:
            pytest.fail("Tab never reached the Next button")
        outline = page.page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
        assert outline == "solid"
        page.page.keyboard.press("Enter")
        assert page.state()[0].startswith("Step 2 of 35")
        # Every parameter has a button, so no pointer is needed for a derivation.
        page.page.focus("button[data-param='w0.0.0']")
        page.page.keyboard.press("Enter")
        derivation = page.page.inner_text(".gn-derivation-body")
        assert "Derivation of w1" in derivation
        assert "0.000438567734" in derivation  # ∂E_total/∂w1, 9 significant digits
        assert "0.149780716" in derivation  # w1+
        labels = page.page.evaluate(
            "() => Array.from(document.querySelectorAll('.gn-controls button'))"
            ".map(b => b.getAttribute('aria-label'))"
        )
        assert all(labels)
        page.assert_clean()


@pytest.mark.parametrize(
    ("width", "height", "scale"),
    [(375, 667, 2), (640, 450, 2)],  # a phone; a 1280×900 screen at 200% zoom
    ids=["phone", "zoom-200"],
)
def test_small_screens_do_not_scroll_sideways(
    browser: Any, mazur_page: Path, tmp_path: Path, width: int, height: int, scale: int
) -> None:
    with window(browser, width, height, scale) as context:
        page = Watched(context, mazur_page)
        assert page.overflow() == (width, width)
        for _ in range(12):
            page.page.keyboard.press("ArrowRight")
        page.page.click("button[data-param='w0.0.0']")
        assert page.overflow() == (width, width)
        # Text stays at a readable size: body text 16 px, the status line at least that.
        size = page.page.evaluate(
            "() => getComputedStyle(document.querySelector('.gn-status')).fontSize"
        )
        assert float(size.removesuffix("px")) >= 16
        page.page.screenshot(path=tmp_path / f"mazur-{width}.png")
        page.assert_clean()


def test_user_text_never_runs(browser: Any, tmp_path: Path) -> None:
    text = (EXAMPLES / "mazur.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title = .*$", "title = '<script>alert(1)</script>'", text)
    text = re.sub(r"(?m)^description = .*$", r"description = '\\input{/etc/passwd}'", text)
    text = re.sub(r"(?m)^url = .*$", "url = 'javascript:alert(2)'", text)
    text = text.replace(
        'weight_names = [["w5", "w6"], ["w7", "w8"]]',
        "weight_names = [['<img src=x onerror=alert(3)>', 'w6'], ['w7', '</script>']]",
    )
    example = tmp_path / "evil.toml"
    example.write_text(text, encoding="utf-8")
    path = write_page(tmp_path / "evil.html", str(example))
    with window(browser, 1000, 800) as context:
        page = Watched(context, path)
        assert page.page.inner_text("h1") == "<script>alert(1)</script>"
        assert page.page.title().startswith("<script>alert(1)</script>")
        assert page.page.inner_text(".gn-description") == r"\input{/etc/passwd}"
        # The script walks and shows derivations that carry the names: still text.
        for _ in range(12):
            page.page.keyboard.press("ArrowRight")
        page.page.locator("svg.gn-diagram .gn-wlabel", has_text="onerror").click()
        assert "Derivation of <img src=x onerror=alert(3)>" in page.page.inner_text(
            ".gn-derivation-body"
        )
        assert page.page.locator("img").count() == 0
        page.page.screenshot(path=tmp_path / "evil.png")
        page.assert_clean()


def test_training_slider(browser: Any, tmp_path: Path) -> None:
    path = write_page(tmp_path / "mazur50.html", "mazur", "--steps", "50")
    with window(browser, 1280, 900) as context:
        page = Watched(context, path)
        caption = page.page.locator(".gn-slider-text")
        w5 = page.page.locator("svg.gn-mini .gn-wlabel", has_text="w5")
        marker = page.page.locator(".gn-marker")
        assert caption.inner_text().startswith("50 updates: E_total = ")
        end = (marker.get_attribute("cx"), marker.get_attribute("cy"))
        page.page.focus("input[type=range]")
        page.page.keyboard.press("Home")
        assert caption.inner_text() == "0 updates: E_total = 0.298371109"
        assert w5.text_content().split() == ["w5", "0.4"]
        page.page.keyboard.press("ArrowRight")  # the slider takes the arrow keys here
        assert caption.inner_text() == "1 update: E_total = 0.291027774"
        assert w5.text_content().split() == ["w5", "0.3589"]
        assert page.state()[0].startswith("Step 1 of")  # the walk did not move
        assert (marker.get_attribute("cx"), marker.get_attribute("cy")) != end
        page.page.locator(".gn-training").screenshot(path=tmp_path / "training.png")
        page.assert_clean()


def screenshot(out: Path) -> None:
    """The README's picture: Mazur's page in the backward pass, at w1's derivation."""
    with tempfile.TemporaryDirectory() as folder:
        path = write_page(Path(folder) / "mazur.html", "mazur")
        with launched() as browser, window(browser, 1200, 1300) as context:
            page = Watched(context, path)
            while "Backward pass · w1:" not in page.state()[0]:
                page.page.keyboard.press("ArrowRight")
            page.page.locator("svg.gn-diagram .gn-wlabel", has_text="w1").click()
            page.page.wait_for_timeout(500)  # the highlight fades in
            page.page.screenshot(path=str(out))
            page.assert_clean()


if __name__ == "__main__":
    screenshot(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot-mazur.png"))
