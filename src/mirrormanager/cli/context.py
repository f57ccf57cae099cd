"""What every command needs: settings, logging, a database engine; and error handling."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import click
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from mirrormanager.db.migrate import require_current
from mirrormanager.db.session import make_engine, make_session_factory
from mirrormanager.errors import MirrorManagerError
from mirrormanager.logging import configure_logging
from mirrormanager.settings import LoadedSettings, Settings, load_settings

F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class AppContext:
    """Loaded lazily so `--help` and `config show` work without a database."""

    config_path: Path | None
    debug: bool
    _loaded: LoadedSettings | None = None
    _engine: Engine | None = field(default=None, repr=False)

    @property
    def loaded(self) -> LoadedSettings:
        if self._loaded is None:
            self._loaded = load_settings(self.config_path)
            configure_logging(
                "DEBUG" if self.debug else self._loaded.settings.log_level,
                self._loaded.settings.log_format,
            )
        return self._loaded

    @property
    def settings(self) -> Settings:
        return self.loaded.settings

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.effective_database_url)
        return self._engine

    def session(self, *, require_schema: bool = True) -> Session:
        if require_schema:
            require_current(self.engine)
        return make_session_factory(self.engine)()


def config_option(func: F) -> F:
    """`--config` and `--debug` on every command, also after the subcommand name."""

    def set_config(ctx: click.Context, _param: click.Parameter, value: Path | None) -> None:
        if value is not None:
            ctx.ensure_object(dict)["config"] = value

    def set_debug(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
        if value:
            ctx.ensure_object(dict)["debug"] = True

    func = click.option(
        "-c",
        "--config",
        type=click.Path(path_type=Path, dir_okay=False),
        default=None,
        expose_value=False,
        callback=set_config,
        is_eager=True,
        help="Settings file (default: $MM_CONFIG, then /etc/mirrormanager/mirrormanager.toml).",
    )(func)
    return click.option(
        "--debug",
        is_flag=True,
        expose_value=False,
        callback=set_debug,
        is_eager=True,
        help="Log everything and show tracebacks.",
    )(func)


def setting_file_option(*decls: str, help: str) -> Callable[[F], F]:
    """An option naming a file that a setting names otherwise. Its default stays None (the
    command falls back to the setting), so a command-line default never silently beats the
    settings file; `help` says which setting."""
    return click.option(
        *decls, type=click.Path(path_type=Path, dir_okay=False), default=None, help=help
    )


def app_context() -> AppContext:
    """The AppContext shared by a command and its parent groups (click shares ctx.obj)."""
    obj = click.get_current_context().ensure_object(dict)
    if "app" not in obj:
        obj["app"] = AppContext(obj.get("config"), bool(obj.get("debug")))
    return obj["app"]  # type: ignore[no-any-return]


def run_cli(command: click.Command, prog_name: str, args: list[str] | None = None) -> None:
    """Run a click command; a MirrorManagerError becomes one line on stderr and an exit code."""
    debug = "--debug" in (args if args is not None else sys.argv[1:])
    try:
        code = command.main(args=args, prog_name=prog_name, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo(f"{prog_name}: interrupted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except MirrorManagerError as exc:
        if debug:
            traceback.print_exc()
        click.echo(f"{prog_name}: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo(f"{prog_name}: interrupted", err=True)
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)
