"""The HTML report in headless Chromium: it loads with no console errors, the charts render,
and a screenshot has real content.

Chromium is driven through the DevTools protocol over a pipe (``--remote-debugging-pipe``:
JSON messages separated by NUL bytes on file descriptors 3 and 4), so no extra package is
needed. The test is skipped only when /usr/bin/chromium is absent (Debian: ``apt-get install
chromium fonts-noto-cjk``).
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import io
import json
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pbrules.report import build_report, render_html
from report_fixtures import ledger_items, make_fixture

CHROMIUM = Path("/usr/bin/chromium")
TIMEOUT = 20.0

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(), reason="headless Chromium (/usr/bin/chromium) is not installed"
    ),
]


class Browser:
    """A minimal DevTools-protocol client over Chromium's debugging pipe."""

    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc = proc
        self._w = write_fd
        self._r = read_fd
        self._buf = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def _read_message(self) -> dict[str, Any]:
        while b"\0" not in self._buf:
            chunk = os.read(self._r, 1 << 16)
            if not chunk:
                raise RuntimeError(f"chromium closed the pipe (exit code {self.proc.poll()})")
            self._buf += chunk
        raw, self._buf = self._buf.split(b"\0", 1)
        message: dict[str, Any] = json.loads(raw)
        return message

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._w, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._read_message()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                result: dict[str, Any] = reply.get("result", {})
                return result
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._read_message()
            if event.get("method") == method:
                return event
            self.events.append(event)


@contextlib.contextmanager
def launch_chromium(window: str = "1280,1600") -> Iterator[Browser]:
    """Start headless Chromium with a fresh profile; stop it on exit."""
    profile = tempfile.TemporaryDirectory(prefix="pbrules-chromium-")
    to_chrome_r, to_chrome_w = os.pipe()
    from_chrome_r, from_chrome_w = os.pipe()

    def child_fds() -> None:
        # Chromium reads commands on fd 3 and writes replies on fd 4. Move both ends out of
        # the way first (the parent may hold them as 3 or 4); pass_fds then keeps 3 and 4.
        high_r = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD, 10)
        high_w = fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD, 10)
        os.dup2(high_r, 3)
        os.dup2(high_w, 4)

    proc = subprocess.Popen(
        [
            str(CHROMIUM),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            f"--user-data-dir={profile.name}",
            "--remote-debugging-pipe",
            f"--window-size={window}",
            "about:blank",
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(3, 4),
        preexec_fn=child_fds,
    )
    os.close(to_chrome_r)
    os.close(from_chrome_w)
    client = Browser(proc, to_chrome_w, from_chrome_r)
    try:
        yield client
    finally:
        with contextlib.suppress(RuntimeError, OSError):  # already gone
            client.send("Browser.close")
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        os.close(to_chrome_w)
        os.close(from_chrome_r)
        profile.cleanup()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with launch_chromium() as client:
        yield client


def open_page(browser: Browser, path: Path) -> tuple[str, list[str]]:
    """Open ``path`` in a new tab; return the session and the console problems seen."""
    target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
    session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
        "sessionId"
    ]
    for domain in ("Page", "Runtime", "Log"):
        browser.send(f"{domain}.enable", session=session)
    browser.events.clear()
    browser.send("Page.navigate", {"url": path.as_uri()}, session=session)
    browser.wait_for("Page.loadEventFired")
    # let scripts that run after load report their problems
    browser.send("Runtime.evaluate", {"expression": "1", "awaitPromise": True}, session=session)
    problems: list[str] = []
    for event in browser.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            problems.append(params["exceptionDetails"].get("text", "exception"))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            problems.append(
                " ".join(str(a.get("value", a.get("description"))) for a in params["args"])
            )
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            problems.append(params["entry"].get("text", ""))
    return session, problems


def _evaluate(browser: Browser, session: str, expression: str) -> Any:
    reply = browser.send(
        "Runtime.evaluate", {"expression": expression, "returnByValue": True}, session=session
    )
    return reply["result"].get("value")


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _distinct_colors(png: bytes) -> int:
    """Distinct colours of the image (Pillow comes with matplotlib)."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
    return len(colors or ())


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    fx = make_fixture()
    report = build_report(
        fx.result,
        previous=fx.previous,
        ledger_items=ledger_items(fx.result),
        issuer="中共某区委组织部",
    )
    path = tmp_path_factory.mktemp("report") / "report.html"
    path.write_text(render_html(report, lang="zh"), encoding="utf-8")
    return path


def test_page_loads_without_console_errors_and_charts_render(
    browser: Browser, report_page: Path
) -> None:
    session, problems = open_page(browser, report_page)
    assert problems == []
    assert _evaluate(browser, session, "document.readyState") == "complete"
    charts = _evaluate(
        browser,
        session,
        "Array.from(document.querySelectorAll('figure.chart svg')).map(s => {"
        " const r = s.getBoundingClientRect();"
        " return [s.closest('figure').id, Math.round(r.width), Math.round(r.height),"
        " s.querySelectorAll('path').length]; })",
    )
    assert [c[0] for c in charts] == ["chart-distribution", "chart-areas", "chart-movement"]
    for _id, width, height, paths in charts:
        assert width > 300 and height > 150 and paths > 20
    # the inline script works: sorting the ranking table by total, ascending
    order = _evaluate(
        browser,
        session,
        "(() => { const t = document.getElementById('ranking-townships');"
        " t.tHead.rows[0].cells[3].click();"
        " return Array.from(t.tBodies[0].rows).map(r => parseFloat(r.cells[3].textContent)); })()",
    )
    assert order == sorted(order) and len(order) == 8
    shown = _evaluate(
        browser,
        session,
        "(() => { const i = document.querySelector('input[data-filter]');"
        " i.value = '南岭镇'; i.dispatchEvent(new Event('input'));"
        " return Array.from(document.querySelectorAll('#rectification-table tbody tr'))"
        ".filter(r => r.style.display !== 'none').length; })()",
    )
    total = _evaluate(
        browser, session, "document.querySelectorAll('#rectification-table tbody tr').length"
    )
    assert 0 < shown < total


def test_console_errors_are_detected(browser: Browser, tmp_path: Path) -> None:
    """The check above can fail: a page with a broken script is caught."""
    page = tmp_path / "broken.html"
    page.write_text(
        "<html><body><script>console.error('boom'); undefinedCall();</script></body></html>",
        encoding="utf-8",
    )
    _session, problems = open_page(browser, page)
    assert any("boom" in p for p in problems)
    assert any("undefinedCall" in p or "Uncaught" in p for p in problems)


def test_screenshot_has_content(browser: Browser, report_page: Path) -> None:
    session, _problems = open_page(browser, report_page)
    shot = browser.send(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": False}, session=session
    )
    png = base64.b64decode(shot["data"])
    width, height = _png_size(png)
    assert width >= 1000 and height >= 1000
    assert len(png) > 50_000
    assert _distinct_colors(png) > 20  # text, tables, tags: far from a blank page
