"""Test-only reference renderers: each format written the obvious way, one `Chosen` host
and one URL at a time, to prove the server's pre-rendered path (`prepare_record` + the
formats' `render`) byte-identical."""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape, quoteattr

from mirrormanager.core.selection import Chosen
from mirrormanager.core.snapshot_model import FileDetailInfo
from mirrormanager.formats import metalink

_TAIL = b"   </resources>\n"


def mirrorlist(
    hosts: Sequence[Chosen], *, what: str, notes: Sequence[str], created: int | None = None
) -> bytes:
    lines = [" ".join([what, *notes]) + "\n"]
    if created is not None:
        from mirrormanager.formats.mirrorlist_text import created_line

        lines.append(created_line(created))
    lines.extend(c.urls[0][1] + c.suffix + "\n" for c in hosts if c.urls)
    return "".join(lines).encode("utf-8", "replace")


def metalink_doc(
    file_name: str,
    details: Sequence[FileDetailInfo],
    hosts: Sequence[Chosen],
    *,
    now: float,
    comment: str = "",
) -> bytes:
    empty = metalink.render(file_name, details, [], "", now=now, comment=comment)
    cut = empty.rindex(_TAIL)
    lines = []
    for rank, chosen in enumerate(hosts):
        preference = max(1, 100 - rank)
        private = ' mm0:private="True"' if chosen.host.private else ""
        where = quoteattr(chosen.host.country.replace("\x00", "\ufffd"))
        for protocol, base in chosen.urls:
            proto = quoteattr(protocol.replace("\x00", "\ufffd"))
            url = escape(base.replace("\x00", "\ufffd")) + escape(chosen.suffix)
            lines.append(
                f"    <url protocol={proto} type={proto} location={where} "
                f'preference="{preference}"{private}>{url}</url>\n'
            )
    return empty[:cut] + "".join(lines).encode("utf-8", "replace") + empty[cut:]
