"""A command-line default never silently beats the settings file.

An option that stands in for a setting (its help names the setting, or its name ends a
setting's name) must default to None
(or add nothing, when repeatable), so the command falls back to the setting when the option
is not given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import click

from mirrormanager.cli.main import cli
from mirrormanager.settings import settings_table

# `demo` writes its own settings file from its options; nothing to beat there.
OWN_SETTINGS = {"demo"}
# Options that share a name with a setting but mean something else.
NOT_A_SETTING = {("stats ingest", "workers")}  # parser processes, not mirrorlist_workers


def _commands(group: click.Group, prefix: str = "") -> Iterator[tuple[str, click.Command]]:
    for name, command in group.commands.items():
        path = f"{prefix}{name}"
        yield path, command
        if isinstance(command, click.Group):
            yield from _commands(command, f"{path} ")


def test_options_standing_for_a_setting_default_to_none() -> None:
    names = {row.name for row in settings_table()}
    offenders = []
    checked = 0
    for path, command in _commands(cli):
        if path in OWN_SETTINGS:
            continue
        for param in command.params:
            if not isinstance(param, click.Option) or param.is_flag or param.required:
                continue
            if (path, param.name) in NOT_A_SETTING:
                continue
            named = set(re.findall(r"[a-z][a-z0-9_]+", param.help or "")) & names
            # … or its name is the end of a setting's name (--min-interval: checkin_min_interval)
            named |= {n for n in names if n == param.name or n.endswith(f"_{param.name}")}
            if named:
                checked += 1
                default = param.to_info_dict()["default"]  # None when there is none
                # A repeatable option adds to its setting; its default must add nothing.
                if param.multiple:
                    wins = isinstance(default, list | tuple) and len(default) > 0
                else:
                    wins = default is not None
                if wins:
                    offenders.append(f"{path} {param.opts[-1]} (setting {sorted(named)[0]})")
    assert checked >= 5  # serve-mirrorlist, serve-web, serve-checkin, … are looked at
    assert offenders == []
