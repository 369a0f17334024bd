"""A headless Chromium driven over the DevTools protocol, for the save_html tests.

Chromium started with ``--remote-debugging-pipe`` reads protocol commands
from file descriptor 3 and writes replies and events to descriptor 4, as
NUL-terminated JSON: no WebSocket library and no network port are needed.
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--remote-debugging-pipe",
)
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium() -> str | None:
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def install_chromium() -> str | None:
    """``apt-get install -y chromium`` when asked to (SCRATCHGRAD_INSTALL_BROWSER=1) and able."""
    if os.environ.get("SCRATCHGRAD_INSTALL_BROWSER") != "1":
        return None
    if not shutil.which("apt-get") or not hasattr(os, "geteuid") or os.geteuid() != 0:
        return None
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "chromium"],
        capture_output=True,
        timeout=900,
        check=False,
    )
    return find_chromium()


class Browser:
    """One Chromium process with one page; ``console`` collects what the page logged."""

    def __init__(
        self,
        executable: str,
        user_data_dir: Path,
        width: int = 1400,
        height: int = 1000,
        env: dict[str, str] | None = None,
    ):
        cmd_read, self._cmd = os.pipe()
        self._out, out_write = os.pipe()

        def plumb() -> None:  # in the child: the protocol's fixed descriptors
            # Copied out of the way first: a pipe end may itself be fd 3 or 4,
            # and dup2 onto itself would leave it close-on-exec.
            read_end, write_end = os.dup(cmd_read), os.dup(out_write)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.proc = subprocess.Popen(
            [executable, *FLAGS, f"--user-data-dir={user_data_dir}", "about:blank"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=plumb,
            close_fds=False,
            env=None if env is None else {**os.environ, **env},
        )
        os.close(cmd_read)
        os.close(out_write)
        self._next = 0
        self._replies: dict[int, Any] = {}
        self._lock = threading.Condition()
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.console: list[str] = []
        threading.Thread(target=self._reader, daemon=True).start()
        targets = self.call("Target.getTargets")["targetInfos"]
        page = next(t for t in targets if t["type"] == "page")
        self.session = self.call("Target.attachToTarget", targetId=page["targetId"], flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call(
            "Emulation.setDeviceMetricsOverride",
            session=True,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=False,
        )

    def _reader(self) -> None:
        buffer = b""
        while True:
            try:
                chunk = os.read(self._out, 1 << 16)
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                if "id" in message:
                    with self._lock:
                        self._replies[message["id"]] = message
                        self._lock.notify_all()
                else:
                    self._event(message)

    def _event(self, message: dict[str, Any]) -> None:
        method, params = message.get("method"), message.get("params", {})
        if method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            self.console.append(f"console.{params['type']}: {text}")
        elif method == "Runtime.exceptionThrown":
            details = params["exceptionDetails"]
            self.console.append(f"exception: {details.get('exception', {}).get('description')}")
        elif method == "Log.entryAdded":
            entry = params["entry"]
            self.console.append(f"log.{entry['level']}: {entry['text']}")
        self.events.put(message)

    def call(
        self, method: str, *, session: bool = False, timeout: float = 30, **params: Any
    ) -> Any:
        self._next += 1
        message: dict[str, Any] = {"id": self._next, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._cmd, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        with self._lock:
            while self._next not in self._replies:
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    raise TimeoutError(f"no reply to {method}")
                self._lock.wait(left)
            reply = self._replies.pop(self._next)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def open(self, url: str, timeout: float = 30) -> None:
        """Load ``url`` and wait until the page says it is ready."""
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        while (
            self.js(
                "document.readyState + ':' + (document.body && document.body.dataset.vizStatus)"
            )
            != "complete:ready"
        ):
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not become ready")
            time.sleep(0.05)

    def open_plain(self, url: str, timeout: float = 30) -> None:
        """Load a page that is not a viz page (an SVG file) and wait for it."""
        self.call("Page.navigate", session=True, url=url)
        deadline = time.monotonic() + timeout
        while self.js("document.readyState + ' ' + document.URL") != f"complete {url}":
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url} did not load")
            time.sleep(0.05)

    def js(self, expression: str) -> Any:
        result = self.call(
            "Runtime.evaluate", session=True, expression=expression, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def click(self, x: float, y: float) -> None:
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call(
                "Input.dispatchMouseEvent",
                session=True,
                type=kind,
                x=x,
                y=y,
                button="left" if kind != "mouseMoved" else "none",
                clickCount=1,
            )

    def key(self, key: str, code: int) -> None:
        for kind in ("keyDown", "keyUp"):
            self.call(
                "Input.dispatchKeyEvent",
                session=True,
                type=kind,
                key=key,
                code=key,
                windowsVirtualKeyCode=code,
            )

    def screenshot(self, path: Path) -> Path:
        shot = self.call("Page.captureScreenshot", session=True, format="png")
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            self.call("Browser.close", timeout=5)
        except (TimeoutError, RuntimeError, OSError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._cmd, self._out):
            try:
                os.close(fd)
            except OSError:
                pass


def fontconfig_with(fonts: list[Path], folder: Path) -> dict[str, str]:
    """Environment for a browser that sees only the font files ``fonts``."""
    folder.mkdir(parents=True, exist_ok=True)
    dirs = "".join(f"<dir>{f.parent}</dir>" for f in dict.fromkeys(fonts))
    conf = folder / "fonts.conf"
    conf.write_text(
        '<?xml version="1.0"?><!DOCTYPE fontconfig SYSTEM "fonts.dtd">'
        f"<fontconfig>{dirs}<cachedir>{folder / 'cache'}</cachedir></fontconfig>"
    )
    return {"FONTCONFIG_FILE": str(conf)}
