"""Parse checksum files published beside ISOs and images (pure).

Fedora publishes `*-CHECKSUM` (BSD style, `SHA256 (name) = hex`) and others publish GNU
style `hex  name` / `hex *name` files (`SHA256SUMS`, `*.sha256sum`, …). Both become
FileDetails so those files get metalinks too. PGP armour and comments are skipped.
"""

from __future__ import annotations

import re
from collections import defaultdict

_HEX_LENGTH = {"md5": 32, "sha1": 40, "sha256": 64, "sha512": 128}
_BSD = re.compile(r"^(MD5|SHA1|SHA256|SHA512) \((?P<name>[^/]+?)\) = (?P<hash>[0-9a-fA-F]+)$")
_GNU = re.compile(r"^(?P<hash>[0-9a-fA-F]{32,128}) [ *](?P<name>[^/]+)$")

CHECKSUM_FILE = re.compile(
    r"^(.*-CHECKSUM|.*\.(md5|sha1|sha256|sha512)sum|(MD5|SHA1|SHA256|SHA512)SUMS?"
    r"|(md5|sha1|sha256|sha512)sum\.txt)$"
)
MAX_CHECKSUM_FILE = 1 << 20


def is_checksum_file(name: str) -> bool:
    return CHECKSUM_FILE.match(name) is not None


def parse_checksums(text: str) -> dict[str, dict[str, str]]:
    """{filename: {algorithm: hexdigest}} from one checksum file; bad lines are ignored."""
    found: dict[str, dict[str, str]] = defaultdict(dict)
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith(("#", "-----", "Hash:", "Version:", "Comment:")):
            continue
        bsd = _BSD.match(line)
        if bsd:
            algo = bsd.group(1).lower()
            digest = bsd.group("hash").lower()
            if len(digest) == _HEX_LENGTH[algo]:
                found[bsd.group("name")][algo] = digest
            continue
        gnu = _GNU.match(line)
        if gnu:
            digest = gnu.group("hash").lower()
            for algo, length in _HEX_LENGTH.items():
                if len(digest) == length:
                    found[gnu.group("name").strip()][algo] = digest
    return dict(found)
