"""One HTTP POST to a receiver: no redirects, a timeout, at most 1 KiB of the answer read.

The host is resolved once and the connection is made to that checked address, so a name that
resolves to a public address when checked cannot point at 127.0.0.1 when connected (DNS rebinding).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

RESPONSE_EXCERPT_BYTES = 1024


class AddressRefused(Exception):
    """The receiver's address is on the local network and private addresses are not allowed."""


@dataclass(frozen=True)
class PostResult:
    status: int | None
    excerpt: str
    error: str
    duration_ms: int
    # The address was refused before connecting: no retry will change that.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def address_is_private(address: str) -> bool:
    """Whether an IP address belongs to this machine or a local network (not the public internet)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def resolve(host: str, port: int, *, allow_private: bool) -> str:
    """The address to connect to for `host`; refuse private ones unless they are allowed."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = [str(info[4][0]) for info in infos]
    if not allow_private:
        private = [address for address in addresses if address_is_private(address)]
        if private:
            raise AddressRefused(f"{host} resolves to the private address {private[0]}")
    return addresses[0]


def _connection(url: str, timeout: float, allow_private: bool) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    host = parts.hostname or ""
    https = parts.scheme == "https"
    port = parts.port or (443 if https else 80)
    address = resolve(host, port, allow_private=allow_private)
    connection: http.client.HTTPConnection
    if https:
        connection = http.client.HTTPSConnection(
            host, port, timeout=timeout, context=ssl.create_default_context()
        )
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)

    def connect_to_checked_address(
        _address: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        return socket.create_connection((address, port), timeout, source_address)

    # http.client opens its socket through this attribute; TLS still verifies the certificate for `host`.
    connection._create_connection = connect_to_checked_address  # type: ignore[attr-defined]
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return connection, path


def post(
    *, url: str, body: bytes, headers: dict[str, str], timeout: float, allow_private: bool
) -> PostResult:
    """POST `body` to `url` and report the answer's status and first KiB, or the error."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        connection, path = _connection(url, timeout, allow_private)
    except AddressRefused as error:
        return PostResult(
            status=None, excerpt="", error=f"refused: {error}", duration_ms=elapsed(), refused=True
        )
    except OSError as error:
        return PostResult(
            status=None, excerpt="", error=f"{type(error).__name__}: {error}", duration_ms=elapsed()
        )
    try:
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = response.read(RESPONSE_EXCERPT_BYTES)
        return PostResult(
            status=response.status,
            excerpt=excerpt.decode("utf-8", errors="replace"),
            error="",
            duration_ms=elapsed(),
        )
    except TimeoutError:
        return PostResult(
            status=None, excerpt="", error=f"timeout after {timeout:g} s", duration_ms=elapsed()
        )
    except (OSError, http.client.HTTPException) as error:
        return PostResult(
            status=None, excerpt="", error=f"{type(error).__name__}: {error}", duration_ms=elapsed()
        )
    finally:
        connection.close()
