"""Tools of the conformance suite that plugin tests may use too: a network block and secret scrambling."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from typing import Any
from unittest import mock


class NetworkBlocked(OSError):
    """Raised instead of a connection while :func:`no_network` is active."""


@contextlib.contextmanager
def no_network() -> Iterator[list[str]]:
    """Block every network access for the duration; yield the list of attempts made meanwhile.

    Blocks at the socket layer (name resolution and ``connect``), so any HTTP library is caught, and
    also installs an empty ``responses`` mock when ``responses`` is installed, because a ``responses``
    mock already active in the caller's test would otherwise answer ``requests`` calls before they
    reach a socket. Attempts fail the way a dead network does (``OSError`` / ``ConnectionError``), so
    a plugin that catches them still gets recorded.
    """
    attempts: list[str] = []

    def connect(sock: socket.socket, address: Any) -> None:
        attempts.append(f"connect to {address!r}")
        raise NetworkBlocked("network access is disabled by the conformance suite")

    def connect_ex(sock: socket.socket, address: Any) -> int:
        attempts.append(f"connect to {address!r}")
        return 111  # ECONNREFUSED

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        attempts.append(f"resolve {host!r}")
        raise socket.gaierror(socket.EAI_NONAME, "network access is disabled by the conformance suite")

    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(socket.socket, "connect", connect))
        stack.enter_context(mock.patch.object(socket.socket, "connect_ex", connect_ex))
        stack.enter_context(mock.patch.object(socket, "getaddrinfo", getaddrinfo))
        rsps = None
        try:
            import responses
        except ImportError:  # pragma: no cover - responses is a test dependency of the hub
            pass
        else:
            rsps = stack.enter_context(responses.RequestsMock(assert_all_requests_are_fired=False))
        try:
            yield attempts
        finally:
            if rsps is not None:
                attempts.extend(f"HTTP {call.request.method} {call.request.url}" for call in rsps.calls)


def scramble(value: str) -> str:
    """Return a different value of the same shape: each letter/digit shifted by one (a→b, 9→0).

    Used to make credentials that pass ``normalize_credentials`` (same length, same alphabet) but that
    the platform must reject.
    """
    out = []
    for ch in value:
        if "a" <= ch <= "z":
            out.append(chr((ord(ch) - 97 + 1) % 26 + 97))
        elif "A" <= ch <= "Z":
            out.append(chr((ord(ch) - 65 + 1) % 26 + 65))
        elif "0" <= ch <= "9":
            out.append(str((int(ch) + 1) % 10))
        else:
            out.append(ch)
    scrambled = "".join(out)
    return scrambled if scrambled != value else value + "x"


def pad_whitespace(value: Any) -> Any:
    """Surround a string with the whitespace a copy-paste brings along."""
    return f" \t{value}\n " if isinstance(value, str) else value
