"""The server's `Prepare`: each host's answer bytes, rendered once per snapshot.

`core.selection` chooses hosts and imports no format; the server hands this function to
its `SelectionIndex`, so a request only joins bytes made here (`formats.metalink.render`,
`formats.mirrorlist_text.render`).
"""

from __future__ import annotations

from mirrormanager.core.selection import HostRecord, Urls
from mirrormanager.core.snapshot_model import HostInfo
from mirrormanager.formats.metalink import last_lines, url_segments
from mirrormanager.formats.mirrorlist_text import url_line


def prepare_record(host: HostInfo, urls: Urls, /) -> HostRecord:
    """The host's mirrorlist line and metalink `<url>` segments for these URLs."""
    segments = url_segments(urls, host.country, host.private)
    return HostRecord(host, urls, url_line(urls), segments, last_lines(segments))
