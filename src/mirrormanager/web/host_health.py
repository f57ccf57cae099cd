"""The hosts' states for the person looking at a page or calling the API (loaded by
`manage.host_states`, decided by `core.host_state`)."""

from __future__ import annotations

from collections.abc import Sequence

from mirrormanager.core.host_state import HostState
from mirrormanager.db.models import Host
from mirrormanager.manage.host_states import states
from mirrormanager.web.helpers import app_settings
from mirrormanager.web.permissions import db, is_admin


def for_viewer(hosts: Sequence[Host], *, with_paths: bool = False) -> dict[int, HostState]:
    """The hosts' states worded for the person looking (web pages and the API)."""
    settings = app_settings()
    return states(
        db(),
        hosts,
        auto_disable=settings.crawler_auto_disable,
        viewer_is_site_admin=not is_admin(),
        with_paths=with_paths,
    )
