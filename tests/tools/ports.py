"""Free TCP ports on 127.0.0.1 for the servers the tests start (the OS picks them; they are released at once,
so a server started right after binds them)."""

from __future__ import annotations

import socket


def free_ports(count: int, *, below: int = 65536) -> list[int]:
    """``count`` distinct free ports, each lower than ``below`` (SeaweedFS adds 10000 for its gRPC ports)."""
    sockets, ports = [], []
    try:
        while len(ports) < count:
            probe = socket.socket()
            probe.bind(("127.0.0.1", 0))
            sockets.append(probe)
            port = int(probe.getsockname()[1])
            if port < below:
                ports.append(port)
    finally:
        for probe in sockets:
            probe.close()
    return ports


def free_port() -> int:
    return free_ports(1)[0]
