"""A real Dovecot IMAP server on loopback for the IMAP polling tests.

`DovecotServer` writes its own configuration, certificate, users and maildirs into a temporary
folder and runs `dovecot -F -c <conf>` as a child process; nothing of the machine's own Dovecot
set-up is read or changed. Mail is put in by APPEND over IMAP, the protocol the poller itself uses.
"""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

DOVECOT = os.environ.get("DOVECOT", "/usr/sbin/dovecot")
HOST = "127.0.0.1"
# Users the Debian package creates: Dovecot refuses root for its login and internal processes.
LOGIN_USER = "dovenull"
INTERNAL_USER = "dovecot"
START_SECONDS = 15
USER_POOL = 100
PASSWORD = "secret-pw"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def quote_mailbox(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def self_signed_certificate(folder: Path, *, name: str = "server") -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, and its key, made with the openssl command."""
    cert, key = folder / f"{name}.crt", folder / f"{name}.key"
    # A fixed command line, run by the tests only.
    subprocess.run(  # noqa: S603
        [
            "/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(key), "-out", str(cert), "-subj", "/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    key.chmod(0o600)
    return cert, key


class DovecotServer:
    """One running Dovecot: an IMAPS port (TLS required) and a plain port that offers STARTTLS."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="vafa-dovecot-"))
        # Dovecot's unprivileged processes read the users file and write the maildirs.
        self.root.chmod(0o755)
        self.mail_owner = pwd.getpwnam(INTERNAL_USER)
        self.imaps_port = free_port()
        self.imap_port = free_port()
        self.cert, self.key = self_signed_certificate(self.root)
        self.users_file = self.root / "users"
        self.users_file.write_text("")
        self.users_file.chmod(0o644)
        # Users are written before the start: Dovecot rereads the file only once a second, so a user
        # added just before logging in may not be known yet.
        self._unused_users: list[str] = []
        self._write_users(USER_POOL)
        self.mail_root = self.root / "mail"
        self.mail_root.mkdir()
        os.chown(self.mail_root, self.mail_owner.pw_uid, self.mail_owner.pw_gid)
        self.log_path = self.root / "dovecot.log"
        self.config = self.root / "dovecot.conf"
        self.process: subprocess.Popen[bytes] | None = None

    def write_config(self) -> None:
        uid, gid = self.mail_owner.pw_uid, self.mail_owner.pw_gid
        (self.root / "run").mkdir(exist_ok=True)
        (self.root / "state").mkdir(exist_ok=True)
        self.config.write_text(
            f"""
protocols = imap
listen = {HOST}
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log_path}
info_log_path = {self.log_path}
default_internal_user = {INTERNAL_USER}
default_internal_group = {INTERNAL_USER}
default_login_user = {LOGIN_USER}
ssl = required
ssl_cert = <{self.cert}
ssl_key = <{self.key}
auth_mechanisms = plain login
mail_location = maildir:{self.mail_root}/%u
mail_uid = {uid}
mail_gid = {gid}
first_valid_uid = {uid}
last_valid_uid = {uid}
first_valid_gid = {gid}
last_valid_gid = {gid}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.users_file}
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={self.mail_root}/%u
}}
service imap-login {{
  inet_listener imap {{
    address = {HOST}
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    address = {HOST}
    port = {self.imaps_port}
    ssl = yes
  }}
}}
"""
        )
        self.config.chmod(0o644)

    def start(self) -> None:
        if not Path(DOVECOT).exists():
            pytest.fail("IMAP tests need Dovecot (apt-get install dovecot-imapd; .ci/run installs it)")
        self.write_config()
        self.process = subprocess.Popen(  # noqa: S603
            [DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                error = self.process.stderr.read().decode(errors="replace") if self.process.stderr else ""
                pytest.fail(f"Dovecot did not start: {error}{self.log_tail()}")
            if self._answers(self.imaps_port) and self._answers(self.imap_port):
                return
            time.sleep(0.1)
        self.stop()
        pytest.fail(f"Dovecot did not answer on {HOST} within {START_SECONDS} s{self.log_tail()}")

    @staticmethod
    def _answers(port: int) -> bool:
        with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=1):
            return True
        return False

    def log_tail(self) -> str:
        if not self.log_path.exists():
            return ""
        return "\n" + "\n".join(self.log_path.read_text(errors="replace").splitlines()[-20:])

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process is not None and self.process.stderr:
            self.process.stderr.close()
        shutil.rmtree(self.root, ignore_errors=True)

    # --- users and mail, through the protocol -----------------------------------------------------

    def add_user(self) -> tuple[str, str]:
        """A user of its own, with an empty INBOX; return its name and password."""
        if not self._unused_users:
            self._write_users(USER_POOL)
            # Dovecot looks at the passwd-file for changes at most once a second.
            time.sleep(1.1)
        return self._unused_users.pop(), PASSWORD

    def _write_users(self, count: int) -> None:
        names = [f"u{uuid.uuid4().hex[:12]}" for _ in range(count)]
        with self.users_file.open("a") as handle:
            handle.writelines(f"{name}:{{PLAIN}}{PASSWORD}::::::\n" for name in names)
        self._unused_users.extend(names)

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.cert))

    @contextlib.contextmanager
    def connect(self, user: str, password: str) -> Iterator[imaplib.IMAP4_SSL]:
        client = imaplib.IMAP4_SSL(HOST, self.imaps_port, ssl_context=self.client_context(), timeout=10)
        try:
            client.login(user, password)
            yield client
        finally:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                client.logout()

    def append(self, user: str, password: str, raw: bytes, *, folder: str = "INBOX") -> int:
        """Put a message into a user's folder by APPEND; return the UID the server gave it."""
        with self.connect(user, password) as client:
            if folder != "INBOX":
                client.create(quote_mailbox(folder))  # answers NO when it exists, which is fine
            typ, data = client.append(quote_mailbox(folder), "", imaplib.Time2Internaldate(time.time()), raw)
            assert typ == "OK", data
            # Dovecot answers "[APPENDUID <uidvalidity> <uid>] Append completed."
            line = data[0].decode() if isinstance(data[0], bytes) else ""
            return int(line.split("APPENDUID", 1)[1].split("]", 1)[0].split()[1])

    def folder_recreate(self, user: str, password: str, folder: str) -> None:
        """Delete a folder and create it again: the server gives it a new UIDVALIDITY."""
        with self.connect(user, password) as client:
            client.delete(quote_mailbox(folder))
            typ, data = client.create(quote_mailbox(folder))
            assert typ == "OK", data

    def uidvalidity(self, user: str, password: str, folder: str = "INBOX") -> int:
        with self.connect(user, password) as client:
            typ, data = client.status(quote_mailbox(folder), "(UIDVALIDITY)")
            assert typ == "OK", data
            return int(data[0].decode().rsplit("UIDVALIDITY", 1)[1].strip(" )"))

    def flags(self, user: str, password: str, uid: int, folder: str = "INBOX") -> str:
        """The flags of one message, as the server reports them (e.g. "\\Seen")."""
        with self.connect(user, password) as client:
            client.select(quote_mailbox(folder), readonly=True)
            typ, data = client.uid("FETCH", str(uid), "(FLAGS)")
            assert typ == "OK" and data and data[0], data
            line = data[0].decode() if isinstance(data[0], bytes) else str(data[0])
            return line.split("FLAGS (", 1)[1].split(")", 1)[0]


@contextlib.contextmanager
def dovecot_server() -> Iterator[DovecotServer]:
    server = DovecotServer()
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[DovecotServer]:
    """One Dovecot for the session; each test takes a fresh user (`dovecot.add_user()`)."""
    with dovecot_server() as server:
        yield server
