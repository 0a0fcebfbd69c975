"""Headless Chromium driven over the DevTools protocol, for tests that look at a page as a browser lays it out.

``with Browser() as browser: page = browser.open(path, width=360)`` loads a file in a tab whose viewport is
``width`` CSS pixels wide (``Emulation.setDeviceMetricsOverride``: headless Chromium will not make a window
narrower than 500 px, and an emulated viewport has no such limit), then ``page.evaluate(expression)`` runs
JavaScript in it and returns the value (a promise is awaited). The page is loaded as written, its
Content-Security-Policy included: code evaluated through the protocol is the browser's own, as in its
developer console, and is not a script the page loads.

The protocol runs over a pipe (``--remote-debugging-pipe``: Chromium reads commands from file descriptor 3
and writes replies to 4, each a JSON message ended by a NUL byte), so no port is opened and no other
package is needed. Playwright or Selenium would do the same with a driver of their own (Playwright's is a
Node.js program of about 100 MB, Selenium's needs Debian's chromium-driver besides); the dozen protocol
commands these tests send are written here instead.
"""

from __future__ import annotations

import base64
import json
import os
import select
import subprocess
import tempfile
import time
from pathlib import Path

from tests import tooling

#: How long one protocol command may take (axe-core on a long page takes about a second).
TIMEOUT_S = 120.0


class BrowserError(RuntimeError):
    """Chromium closed, timed out, or answered a command with an error."""


def _child_pipes(to_child: int, from_child: int):
    """In the child, before exec: the ends Chromium uses on descriptors 3 and 4 (copied first, so that neither
    overwrites the other when one of them already is 3 or 4)."""

    def setup():
        read_end, write_end = os.dup(to_child), os.dup(from_child)
        os.dup2(read_end, 3, inheritable=True)
        os.dup2(write_end, 4, inheritable=True)

    return setup


class Page:
    """One tab, attached by a flat protocol session."""

    def __init__(self, browser: Browser, target: str, session: str):
        self.browser, self.target, self.session = browser, target, session

    def send(self, method: str, **params) -> dict:
        return self.browser.send(method, self.session, **params)

    def evaluate(self, expression: str):
        """The value of a JavaScript ``expression`` in the page (a promise is awaited); raises on an exception."""
        reply = self.send("Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True)
        if "exceptionDetails" in reply:
            details = reply["exceptionDetails"]
            raise BrowserError(details.get("exception", {}).get("description") or details.get("text"))
        return reply["result"].get("value")


class Browser:
    """A headless Chromium of its own (fresh profile), closed on exit from the ``with`` block."""

    def __init__(self, executable: str | None = None):
        self.executable = executable or tooling.chromium()

    def __enter__(self) -> Browser:
        self._profile = tempfile.TemporaryDirectory(prefix="probdl-chromium-")
        to_child, self._out = os.pipe()
        self._in, from_child = os.pipe()
        self._proc = subprocess.Popen(
            [self.executable, *tooling.CHROMIUM_FLAGS, f"--user-data-dir={self._profile.name}",
             "--remote-debugging-pipe", "about:blank"],
            pass_fds=(3, 4), preexec_fn=_child_pipes(to_child, from_child),
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(to_child)
        os.close(from_child)
        self._buffer, self._next_id, self._events = b"", 0, []
        return self

    def __exit__(self, *exc) -> None:
        try:
            if self._proc.poll() is None:
                self._write({"id": 0, "method": "Browser.close", "params": {}})
                self._proc.wait(timeout=20)
        except (OSError, subprocess.TimeoutExpired, BrowserError):
            self._proc.kill()
            self._proc.wait()
        finally:
            os.close(self._out)
            os.close(self._in)
            self._profile.cleanup()

    def _write(self, message: dict) -> None:
        data = json.dumps(message).encode() + b"\0"
        while data:
            data = data[os.write(self._out, data):]

    def _read(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            if not select.select([self._in], [], [], max(deadline - time.monotonic(), 0.0))[0]:
                raise BrowserError(f"Chromium did not answer within {TIMEOUT_S:.0f} s")
            chunk = os.read(self._in, 1 << 16)
            if not chunk:
                raise BrowserError(f"Chromium closed (exit status {self._proc.poll()})")
            self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def send(self, method: str, session: str | None = None, **params) -> dict:
        """Send one protocol command and return its result (events that arrive meanwhile are kept)."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        self._write(message)
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            reply = self._read(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise BrowserError(f"{method}: {reply['error']}")
                return reply["result"]
            self._events.append(reply)

    def _wait_for(self, event: str, session: str) -> None:
        deadline = time.monotonic() + TIMEOUT_S
        while True:
            for i, e in enumerate(self._events):
                if e.get("method") == event and e.get("sessionId") == session:
                    del self._events[i]
                    return
            self._events.append(self._read(deadline))

    def open(self, path, width: int, height: int = 900) -> Page:
        """A new tab ``width`` × ``height`` CSS pixels showing the file ``path``, loaded."""
        return self.open_url(Path(path).resolve().as_uri(), width, height)

    def open_url(self, url: str, width: int, height: int = 900) -> Page:
        """A new tab ``width`` × ``height`` CSS pixels showing ``url`` (a file, or a local server's page), loaded."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        page = Page(self, target, session)
        page.send("Page.enable")
        page.send("Emulation.setDeviceMetricsOverride", width=width, height=height, deviceScaleFactor=1, mobile=False)
        page.send("Emulation.setScrollbarsHidden", hidden=True)  # the layout width is the viewport's
        page.send("Page.navigate", url=url)
        self._wait_for("Page.loadEventFired", session)
        return page

    def screenshot(self, page: Page, path, height: int) -> bytes:
        """A PNG of the top ``height`` CSS pixels of ``page`` (beyond the viewport), written to ``path``."""
        width = page.evaluate("document.documentElement.clientWidth")
        reply = page.send("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                          clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1})
        data = base64.b64decode(reply["data"])
        Path(path).write_bytes(data)
        return data

    def close(self, page: Page) -> None:
        """Close a tab opened by :meth:`open`."""
        self.send("Target.closeTarget", targetId=page.target)
        self._events = [e for e in self._events if e.get("sessionId") != page.session]
