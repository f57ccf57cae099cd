"""`mirrormanager serve-web`: the admin UI (and public pages) under waitress."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.errors import ConfigError


def parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise ConfigError(f"web bind address {bind!r} must be host:port")
    return host.strip("[]") or "127.0.0.1", int(port)


@click.command("serve-web")
@config_option
@click.option("--bind", default=None, help="host:port to listen on (default: web_bind setting).")
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="Worker threads.")
def serve_web(bind: str | None, threads: int | None) -> None:
    """Serve the web UI with waitress (any WSGI server can run mirrormanager.web.wsgi:app)."""
    import waitress

    from mirrormanager.db.migrate import require_current
    from mirrormanager.web.app import create_app

    app_ctx = app_context()
    settings = app_ctx.settings
    require_current(app_ctx.engine)
    host, port = parse_bind(bind or settings.web_bind)
    app = create_app(settings)
    click.echo(f"serving the web UI on http://{host}:{port}/")
    waitress.serve(
        app,
        host=host,
        port=port,
        threads=threads or settings.web_threads,
        ident="mirrormanager",
        # Hand X-Forwarded-For to the app, which believes it only from trusted_proxies
        # (the login throttle counts per client address); waitress would drop it.
        clear_untrusted_proxy_headers=False,
    )
