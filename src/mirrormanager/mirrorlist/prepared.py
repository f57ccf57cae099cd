"""The server's `Prepare`: each host's answer bytes, rendered once per snapshot.

`core.selection` chooses hosts and imports no format; the server hands this function to
its `SelectionIndex`, so a request only joins bytes made here (`formats.metalink.render`,
`formats.mirrorlist_text.render`).
"""

from __future__ import annotations

from mirrormanager.core.selection_index import HostRecord, Urls
from mirrormanager.core.snapshot_model import HostInfo
from mirrormanager.formats.metalink import pack_parts, url_parts, url_segments
from mirrormanager.formats.mirrorlist_text import url_line


def prepare_record(host: HostInfo, urls: Urls, /) -> HostRecord:
    """The host's mirrorlist line and metalink `<url>` lines (in the forms of both
    renderers, `formats.bodies`) for these URLs."""
    parts = url_parts(urls, host.country, host.private)
    return HostRecord(host, urls, url_line(urls), url_segments(parts), pack_parts(parts))
