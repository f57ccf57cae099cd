"""Commands whose part of the system is not built yet: wired, documented, and honest."""

from __future__ import annotations

import click

from mirrormanager.cli.context import config_option
from mirrormanager.errors import NotAvailableError


def _pending(name: str, help_text: str, part: str) -> click.Command:
    @click.command(
        name,
        help=help_text,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )
    @config_option
    def command() -> None:
        raise NotAvailableError(
            f"`{name}` is not available yet: the {part} is not built in this version",
            hint="see the project's open issues",
        )

    return command


crawl = _pending("crawl", "Check mirrors against the master (mm2_crawler).", "crawler")
report_mirror = _pending(
    "report-mirror", "Report this mirror's content (check-in client).", "check-in client"
)
