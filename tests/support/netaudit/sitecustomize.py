"""Records every attempt of this process to reach a non-loopback address.

Put this directory on PYTHONPATH and set HR_TEST_NETWORK_LOG to a file: each
DNS lookup of a non-local name and each connect to a non-loopback address is
appended there as one line. The offline test asserts the file stays empty.
"""

import ipaddress
import os
import socket
import sys
from typing import Any

LOG_PATH = os.environ.get("HR_TEST_NETWORK_LOG")
LOCAL_NAMES = {None, "", "localhost", b"localhost"}


def _is_loopback(host: Any) -> bool:
    if isinstance(host, bytes):
        host = host.decode()
    if host in LOCAL_NAMES:
        return True
    try:
        address = ipaddress.ip_address(str(host).split("%")[0])
    except ValueError:
        return False  # a name other than localhost: resolving it is already traffic
    return address.is_loopback or address.is_unspecified


def _record(event: str, detail: Any) -> None:
    with open(LOG_PATH, "a", encoding="utf-8") as log:  # type: ignore[arg-type]
        log.write(f"{os.getpid()} {event} {detail!r}\n")


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if event == "socket.getaddrinfo" and not _is_loopback(args[0]):
        _record(event, args[:2])
    elif event == "socket.connect":
        sock, address = args
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            _record(event, address)


if LOG_PATH:
    sys.addaudithook(_audit)
