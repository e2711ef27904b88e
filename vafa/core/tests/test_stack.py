"""run_stack: what it starts, and that it stops everything it started."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from vafa.core.stack import health_url, stack_commands, vafa_command


def test_stack_runs_web_worker_scheduler_and_the_extras():
    commands = stack_commands(
        host="0.0.0.0",  # noqa: S104 - only compared.
        port=9000,
        extra=[["mail-listen", "--port", "2525"], ["vafa", "imap-poll"]],
    )

    assert commands == [
        ("web", ["serve", "--host", "0.0.0.0", "--port", "9000"]),  # noqa: S104
        ("worker", ["worker"]),
        ("scheduler", ["scheduler"]),
        ("mail-listen", ["mail-listen", "--port", "2525"]),
        ("imap-poll", ["imap-poll"]),
    ]


def test_stack_refuses_an_empty_extra_command():
    with pytest.raises(ValueError, match="needs at least a command name"):
        stack_commands(extra=[["vafa"]])


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 8000, "http://127.0.0.1:8000/healthz"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080/healthz"),  # noqa: S104
        ("::", 8000, "http://[::1]:8000/healthz"),
        ("::1", 8001, "http://[::1]:8001/healthz"),
        ("vafa.internal", 80, "http://vafa.internal:80/healthz"),
    ],
)
def test_health_is_polled_where_the_server_can_be_reached(host, port, url):
    assert health_url(host, port) == url


def test_vafa_command_runs_vafa_with_this_interpreter():
    command = vafa_command()

    result = subprocess.run(  # noqa: S603 - the project's own command.
        [*command, "scheduler", "--help"], capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 0, result.stderr
    assert "--once" in result.stdout
    if len(command) == 1:
        assert Path(command[0]).parent == Path(sys.executable).parent


# --- the real stack -------------------------------------------------------------------------------


def stack_argv(**arguments: object) -> list[str]:
    call = ", ".join(f"{name}={value!r}" for name, value in arguments.items())
    return [
        sys.executable,
        "-c",
        f"import sys; from vafa.core.stack import run_stack; sys.exit(run_stack({call}))",
    ]


def child_pids(output: str) -> dict[str, int]:
    return {name: int(pid) for name, pid in re.findall(r"^stack: started (\S+) \(pid (\d+)\)", output, re.M)}


def is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5):  # noqa: S310 - a local test server.
            return True
    except OSError:
        return False


@pytest.mark.slow
def test_stack_serves_then_stops_every_child_on_sigterm(subprocess_env, start_child, port):
    stack = start_child(stack_argv(port=port, banner="STACK READY"), subprocess_env)
    stack.wait_for_line(lambda line: line == "STACK READY")
    url = f"http://127.0.0.1:{port}/healthz"

    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - a local test server.
        status = response.status
    stack.process.send_signal(signal.SIGTERM)
    code = stack.wait(timeout=90)

    pids = child_pids(stack.output)
    assert status == 200
    assert code == 0
    assert sorted(pids) == ["scheduler", "web", "worker"]
    assert [pid for pid in pids.values() if is_running(pid)] == []
    assert not answers(url)
    for name in ("web", "worker", "scheduler"):
        assert f"stack: stopping {name} (pid {pids[name]})" in stack.output
    assert "scheduler | " in stack.output and "worker    | " in stack.output


@pytest.mark.slow
def test_stack_stops_the_others_and_fails_when_a_child_dies(subprocess_env, start_child, port):
    stack = start_child(stack_argv(port=port, extra=[["no-such-command"]]), subprocess_env)

    code = stack.wait(timeout=120)

    pids = child_pids(stack.output)
    assert code == 1
    assert "stack: no-such-command exited with code 1; stopping the others" in stack.output
    assert sorted(pids) == ["no-such-command", "scheduler", "web", "worker"]
    assert [pid for pid in pids.values() if is_running(pid)] == []
    assert not answers(f"http://127.0.0.1:{port}/healthz")
