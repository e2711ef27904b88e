"""The built-in SMTP/LMTP listener: takes mail for the active SMTP mailboxes and stores it untouched.

It asks for no AUTH and offers no TLS, so it belongs on loopback: the embedded demo, or behind a
local MTA in production (Postfix relays to it over LMTP). Mail from the internet reaches Vafa through
that MTA, an IMAP mailbox or the HTTP inbound endpoint, never through this port directly.

A message is answered 250 only once its bytes are on storage and its row is committed; anything
else answers 451, so the sending server keeps the message and tries again. Nothing is parsed here.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import close_old_connections, connections

from vafa.channels.models import InboundMail, Mailbox
from vafa.channels.services import inbound_store

logger = logging.getLogger("vafa.channels.listener")

T = TypeVar("T")

# Protocol replies, read by mail servers rather than people: not translated.
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, try again"
NO_SUCH_MAILBOX = "550 5.1.1 <{address}>: no such mailbox here"
QUEUED = "250 2.0.0 Queued as {id}"
STORE_WORKERS = 4
STOP_GRACE_SECONDS = 30.0


def is_loopback(host: str) -> bool:
    """Whether binding `host` keeps the listener reachable from this machine only."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def listener_mailbox(address: str) -> Mailbox | None:
    """The active mailbox that takes mail at `address` through this listener."""
    return Mailbox.objects.filter(
        address=address.strip().lower(), is_active=True, method=Mailbox.Method.SMTP
    ).first()


def _with_fresh_connection(func: Callable[..., T], *args: Any) -> T:
    # The listener lives for weeks; a connection the database dropped meanwhile must not fail mail.
    close_old_connections()
    try:
        return func(*args)
    finally:
        # The store threads are pooled and outlive no session in particular; closing after each call
        # costs a reconnect of a few milliseconds and leaves no connection open when the listener
        # stops (an idle one would keep PostgreSQL from dropping or migrating the database).
        connections.close_all()


class InboundHandler:
    """aiosmtpd handler: accept recipients that are SMTP mailboxes, store each message as it came."""

    def __init__(self, *, lmtp: bool = False, workers: int = STORE_WORKERS) -> None:
        self.lmtp = lmtp
        self.via = InboundMail.Via.LMTP if lmtp else InboundMail.Via.SMTP
        self.executor = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="mail-store")
        # The mailbox of each envelope's first accepted recipient; envelopes are dropped after DATA.
        self.first_mailbox: weakref.WeakKeyDictionary[Envelope, Mailbox] = weakref.WeakKeyDictionary()
        self.busy = 0
        self.idle = threading.Condition()

    async def _in_thread(self, func: Callable[..., T], *args: Any) -> T:
        # The ORM is synchronous: it runs in the pool, so one slow write never stalls other sessions.
        loop = asyncio.get_running_loop()
        with self.idle:
            self.busy += 1
        try:
            return await loop.run_in_executor(self.executor, partial(_with_fresh_connection, func, *args))
        finally:
            with self.idle:
                self.busy -= 1
                self.idle.notify_all()

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        try:
            mailbox = await self._in_thread(listener_mailbox, address)
        except Exception:
            logger.exception("Could not look up the recipient %s", address)
            return TEMPORARY_FAILURE
        if mailbox is None:
            return NO_SUCH_MAILBOX.format(address=address)
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        self.first_mailbox.setdefault(envelope, mailbox)
        return "250 2.1.5 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        recipients = list(envelope.rcpt_tos)
        # A bounce's null reverse-path stays "<>", which tells it apart from a sender left unknown.
        sender = envelope.mail_from or ""
        try:
            stored = await self._in_thread(
                partial(
                    inbound_store,
                    raw=raw,
                    via=self.via,
                    mailbox=self.first_mailbox.get(envelope),
                    envelope_from=sender,
                    envelope_to=recipients,
                )
            )
        except Exception:
            logger.exception(
                "Could not store a message of %s bytes from <%s> for %s; answered 451, the sender retries",
                len(raw),
                sender,
                ", ".join(recipients),
            )
            status = TEMPORARY_FAILURE
        else:
            logger.info(
                "Stored inbound mail %s: %s bytes from <%s> for %s via %s",
                stored.pk,
                len(raw),
                sender,
                ", ".join(recipients),
                self.via,
            )
            status = QUEUED.format(id=stored.pk)
        if self.lmtp:
            # LMTP answers once per accepted recipient; the one stored row serves them all.
            return "\r\n".join([status] * max(1, len(recipients)))
        return status

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no lookup or store is running; False if `timeout` passed first."""
        with self.idle:
            return self.idle.wait_for(lambda: self.busy == 0, timeout=timeout)

    def close(self) -> None:
        self.executor.shutdown(wait=True)


class ListenerController(Controller):
    """aiosmtpd's threaded controller, speaking LMTP instead of SMTP when asked."""

    def __init__(self, handler: InboundHandler, *, host: str, port: int, data_size_limit: int) -> None:
        super().__init__(
            handler,
            hostname=host,
            port=port,
            # socket.getfqdn() (aiosmtpd's default) may wait on DNS; the greeting needs only a name.
            server_hostname=socket.gethostname() or "vafa",
            data_size_limit=data_size_limit,
            ident="Vafa",
        )
        self.lmtp = handler.lmtp

    def factory(self) -> SMTP:
        if self.lmtp:
            return LMTP(self.handler, **self.SMTP_kwargs)
        return SMTP(self.handler, **self.SMTP_kwargs)

    def stop_accepting(self) -> None:
        """Close the listening socket; sessions already open go on until they end."""
        server = self.server
        if server is not None:
            self.loop.call_soon_threadsafe(server.close)


def listener_start(*, host: str, port: int, lmtp: bool, data_size_limit: int) -> ListenerController:
    """Start the listener in a thread of its own and return its controller once it answers."""
    handler = InboundHandler(lmtp=lmtp)
    controller = ListenerController(handler, host=host, port=port, data_size_limit=data_size_limit)
    try:
        controller.start()
    except BaseException:
        handler.close()
        raise
    return controller


def listener_stop(controller: ListenerController, *, grace: float = STOP_GRACE_SECONDS) -> None:
    """Stop taking connections, let messages being stored finish, then stop the listener."""
    handler = controller.handler
    assert isinstance(handler, InboundHandler)
    controller.stop_accepting()
    if not handler.wait_idle(grace):
        # A store still running finishes in its thread; its sender got no answer and will retry.
        logger.warning("Stopping with a message still being stored after %ss", grace)
    controller.stop()
    handler.close()
