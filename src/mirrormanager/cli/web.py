"""`mirrormanager serve-web`: the admin UI (and public pages) under waitress."""

from __future__ import annotations

import click

from mirrormanager.cli.context import app_context, config_option
from mirrormanager.cli.listen import HOST_PORT, ensure_free
from mirrormanager.core.hostport import HostPort


@click.command("serve-web")
@config_option
@click.option(
    "--bind", type=HOST_PORT, default=None, help="Where to listen (default: web_bind setting)."
)
@click.option("--threads", type=click.IntRange(1, 256), default=None, help="Worker threads.")
def serve_web(bind: HostPort | None, threads: int | None) -> None:
    """Serve the web UI with waitress (any WSGI server can run mirrormanager.web.wsgi:app)."""
    import waitress

    from mirrormanager.db.migrate import require_current
    from mirrormanager.web.app import create_app

    app_ctx = app_context()
    settings = app_ctx.settings
    require_current(app_ctx.engine)
    address = bind or settings.web_bind
    ensure_free(address, server="serve-web", option="--bind or web_bind")
    app = create_app(settings)
    click.echo(f"serve-web: listening on {address.url}/")
    waitress.serve(
        app,
        host=address.host,
        port=address.port,
        threads=threads or settings.web_threads,
        ident="mirrormanager",
        # Hand X-Forwarded-For to the app, which believes it only from trusted_proxies
        # (the login throttle counts per client address); waitress would drop it.
        clear_untrusted_proxy_headers=False,
    )
