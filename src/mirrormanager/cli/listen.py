"""Listening addresses on the command line: the `--bind` type and the busy-port check.

Every `--bind` option defaults to None and falls back to its setting, so a command-line
default never silently beats the settings file. Before a server starts (and before the
demo spends a minute building), each address is test-bound: a port another process
listens on - even one that set SO_REUSEPORT, which would otherwise let a second
mirrorlist server share the port and the kernel split the clients - is one clear error.
"""

from __future__ import annotations

import errno
import socket

import click

from mirrormanager.core.hostport import HostPort, parse_host_port
from mirrormanager.errors import ConfigError


class HostPortType(click.ParamType):  # type: ignore[type-arg]
    """`--bind HOST:PORT`, validated like the `*_bind` settings."""

    name = "host:port"

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> HostPort:
        if isinstance(value, HostPort):
            return value
        try:
            return parse_host_port(str(value))
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


HOST_PORT = HostPortType()


def ensure_free(address: HostPort, *, server: str, option: str) -> None:
    """ConfigError naming the address, the server and the option when the port is taken."""
    try:
        infos = socket.getaddrinfo(
            address.host, address.port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )
    except socket.gaierror as exc:
        raise ConfigError(
            f"{server} cannot listen on {address}: {exc.strerror}",
            hint=f"give an address of this machine with {option}",
            host=str(address),
        ) from None
    family, kind, proto, _name, sockaddr = infos[0]
    with socket.socket(family, kind, proto) as probe:
        # SO_REUSEADDR only ignores TIME_WAIT leftovers of a server that just stopped; a
        # live listener still makes bind() fail (no SO_REUSEPORT here, on purpose).
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise ConfigError(
                    f"{server} cannot listen on {address}: another process already listens there",
                    hint=f"stop it, or choose another address with {option}",
                    host=str(address),
                ) from None
            raise ConfigError(
                f"{server} cannot listen on {address}: {exc.strerror}",
                hint=f"choose another address with {option}",
                host=str(address),
            ) from None
