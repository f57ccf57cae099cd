"""Run the mirrorlist app on Granian with several worker processes.

The main process only supervises; each worker builds its own `MirrorlistApp` from the
JSON config in `$MIRRORLIST_SERVER_CONFIG` (set by `serve()`), loads the snapshot and
watches it. SIGHUP to the main process is forwarded to the workers, which reload the
snapshot and reopen the access log in place, instead of Granian's default of respawning
them.
"""

from __future__ import annotations

import os
import signal
from typing import Any

from mirrormanager.core.hostport import HostPort
from mirrormanager.logging import get_logger
from mirrormanager.mirrorlist.app import MirrorlistApp, ServerConfig

log = get_logger(__name__)

CONFIG_ENV = "MIRRORLIST_SERVER_CONFIG"


def worker_app() -> MirrorlistApp:
    """Granian factory: one app per worker process."""
    from mirrormanager.logging import configure_logging

    configure_logging(os.environ.get("MIRRORLIST_LOG_LEVEL", "INFO"), "json")
    return MirrorlistApp(ServerConfig.from_json(os.environ[CONFIG_ENV]))


def serve(config: ServerConfig, *, bind: HostPort, workers: int) -> None:
    """Block serving until SIGINT/SIGTERM."""
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    os.environ[CONFIG_ENV] = config.to_json()

    class _Server(Server):  # type: ignore[misc,valid-type]
        def _reload(self, *args: Any, **kwargs: Any) -> None:
            # Forward SIGHUP: workers reload the snapshot without a restart.
            log.info("SIGHUP: workers reload the snapshot and reopen the access log")
            self.reload_signal = False
            self.main_loop_interrupt.clear()
            for worker in self.wrks:
                pid = getattr(getattr(worker, "inner", worker), "pid", None)
                if pid:
                    os.kill(pid, signal.SIGHUP)

    server = _Server(
        "mirrormanager.mirrorlist.server:worker_app",
        address=bind.host,
        port=bind.port,
        interface=Interfaces.ASGI,
        workers=max(1, workers),
        loop=Loops.auto,  # uvloop when installed (granian[uvloop]), else asyncio
        factory=True,
        log_access=False,
        backlog=2048,
    )
    server.serve()
