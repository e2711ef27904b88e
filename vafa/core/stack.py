"""Run the whole embedded stack on one machine: web server, task worker, scheduler (and extras).

`run_stack` is what `vafa demo` ends with. Each part runs as its own `vafa` child process, exactly as
it would in production, with its output prefixed by its name. Ctrl-C or SIGTERM stops them all; if
one of them dies, the others are stopped too and the stack returns non-zero, so that nothing runs
half-started without anyone noticing.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, Any

HEALTH_TIMEOUT_SECONDS = 90.0
STOP_TIMEOUT_SECONDS = 20.0
POLL_SECONDS = 0.2


@dataclass
class Child:
    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = None
    pump: threading.Thread | None = None


def vafa_command() -> list[str]:
    """How to run `vafa` with the same interpreter: the script next to it, else the entry point."""
    script = Path(sys.executable).with_name("vafa")
    if script.is_file() and os.access(script, os.X_OK):
        return [str(script)]
    return [sys.executable, "-c", "import sys; from vafa.cli import main; sys.exit(main())"]


def stack_commands(
    *, host: str = "127.0.0.1", port: int = 8000, extra: Sequence[Sequence[str]] | None = None
) -> list[tuple[str, list[str]]]:
    """Name and `vafa` arguments of each process of the stack.

    `extra` holds further `vafa` commands, e.g. `[["mail-listen"]]`; a leading "vafa" is allowed.
    """
    commands: list[tuple[str, list[str]]] = [
        ("web", ["serve", "--host", host, "--port", str(port)]),
        ("worker", ["worker"]),
        ("scheduler", ["scheduler"]),
    ]
    for args in extra or []:
        argv = list(args)
        if argv and argv[0] == "vafa":
            argv = argv[1:]
        if not argv:
            raise ValueError("An extra stack command needs at least a command name.")
        commands.append((argv[0], argv))
    return commands


def health_url(host: str, port: int) -> str:
    """The /healthz address to poll; a wildcard listen address is reached through loopback."""
    if host in {"", "0.0.0.0"}:  # noqa: S104 - a listen address, not a bind.
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}/healthz"


def is_healthy(url: str, *, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - our own http URL.
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


class Stack:
    def __init__(
        self,
        commands: list[tuple[str, list[str]]],
        *,
        url: str,
        banner: str,
        output: IO[str],
        health_timeout: float,
        stop_timeout: float,
    ) -> None:
        self.children = [Child(name=name, argv=[*vafa_command(), *args]) for name, args in commands]
        self.url = url
        self.banner = banner
        self.output = output
        self.health_timeout = health_timeout
        self.stop_timeout = stop_timeout
        self.width = max(len(child.name) for child in self.children)
        self.write_lock = threading.Lock()
        self.stop_signal: int | None = None

    # --- output -----------------------------------------------------------------------------------

    def say(self, text: str) -> None:
        with self.write_lock:
            try:
                self.output.write(text if text.endswith("\n") else text + "\n")
                self.output.flush()
            except (OSError, ValueError):
                # The terminal or pipe is gone: drop the line, but keep draining the children's
                # output, or a child would block once its pipe is full.
                pass

    def pump_output(self, child: Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        prefix = f"{child.name:<{self.width}} | "
        for raw in iter(child.process.stdout.readline, b""):
            self.say(prefix + raw.decode("utf-8", errors="replace").rstrip("\n"))
        child.process.stdout.close()

    # --- processes --------------------------------------------------------------------------------

    def start(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        for child in self.children:
            child.process = subprocess.Popen(  # noqa: S603 - our own command line.
                child.argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env=env,
                # Own process group: Ctrl-C reaches only this process, which stops the children
                # in order; the group also lets a last SIGKILL reach what a child started itself.
                process_group=0,
            )
            child.pump = threading.Thread(target=self.pump_output, args=(child,), daemon=True)
            child.pump.start()
            self.say(f"stack: started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")

    def dead_child(self) -> Child | None:
        for child in self.children:
            if child.process is not None and child.process.poll() is not None:
                return child
        return None

    def stop(self) -> None:
        running = [c for c in self.children if c.process is not None and c.process.poll() is None]
        for child in running:
            assert child.process is not None
            self.say(f"stack: stopping {child.name} (pid {child.process.pid})")
            with contextlib.suppress(ProcessLookupError):
                child.process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for child in running:
            assert child.process is not None
            try:
                child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.say(f"stack: {child.name} did not stop in {self.stop_timeout:.0f}s; killing it")
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait()
        for child in self.children:
            if child.pump is not None:
                child.pump.join(timeout=2.0)

    # --- main loop --------------------------------------------------------------------------------

    def wait(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while self.stop_signal is None and (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(remaining, POLL_SECONDS))

    def child_died(self, child: Child) -> int:
        assert child.process is not None
        code = child.process.returncode
        self.say(f"stack: {child.name} exited with code {code}; stopping the others")
        self.stop()
        return code if code > 0 else 1

    def run(self) -> int:
        try:
            self.start()
            started = time.monotonic()
            while not is_healthy(self.url):
                if self.stop_signal is not None:
                    return self.stopped()
                if (child := self.dead_child()) is not None:
                    return self.child_died(child)
                if time.monotonic() - started > self.health_timeout:
                    self.say(f"stack: {self.url} did not answer 200 in {self.health_timeout:.0f}s")
                    self.stop()
                    return 1
                self.wait(0.5)
            if self.banner:
                self.say(self.banner)
            while self.stop_signal is None:
                if (child := self.dead_child()) is not None:
                    return self.child_died(child)
                self.wait(0.5)
            return self.stopped()
        except BaseException:
            self.stop()
            raise

    def stopped(self) -> int:
        assert self.stop_signal is not None
        self.say(f"stack: received {signal.strsignal(self.stop_signal)}; stopping")
        self.stop()
        return 0

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        # Only a flag: the loop notices it within POLL_SECONDS and stops the children in order.
        self.stop_signal = signum


def run_stack(
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    extra: list[list[str]] | None = None,
    banner: str = "",
    output: IO[str] | None = None,
    health_timeout: float = HEALTH_TIMEOUT_SECONDS,
    stop_timeout: float = STOP_TIMEOUT_SECONDS,
) -> int:
    """Run web server, worker and scheduler (and `extra` vafa commands) until stopped or one dies.

    Print `banner` once GET /healthz answers 200. Return 0 after Ctrl-C or SIGTERM, else non-zero:
    the exit code of the child that died, or 1 when the server never became healthy.
    """
    stack = Stack(
        stack_commands(host=host, port=port, extra=extra),
        url=health_url(host, port),
        banner=banner,
        output=output or sys.stdout,
        health_timeout=health_timeout,
        stop_timeout=stop_timeout,
    )
    previous: dict[signal.Signals, Any] = {}
    # Signal handlers can only be set from the main thread; elsewhere the caller stops the stack.
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous[signum] = signal.signal(signum, stack.request_stop)
    try:
        return stack.run()
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
