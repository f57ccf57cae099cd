"""Golden, round-trip and hostile-input tests for the repomd.xml format."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.errors import FormatError
from mirrormanager.formats.repomd import (
    MAX_REPOMD_BYTES,
    Repomd,
    RepomdData,
    build_repomd,
    parse_repomd,
)

PRIMARY = RepomdData(
    type="primary",
    href="repodata/" + "a" * 64 + "-primary.xml.gz",
    checksum="a" * 64,
    checksum_type="sha256",
    open_checksum="b" * 64,
    size=1234,
    open_size=5678,
    timestamp=1790812800,
)
OTHER = RepomdData(
    type="other",
    href="repodata/other.xml.gz",
    checksum="c" * 64,
    checksum_type="sha256",
    open_checksum=None,
    size=10,
    open_size=None,
    timestamp=1790816400,
)

GOLDEN = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<repomd xmlns="http://linux.duke.edu/metadata/repo"'
    ' xmlns:rpm="http://linux.duke.edu/metadata/rpm">\n'
    "  <revision>1790816400</revision>\n"
    '  <data type="primary">\n'
    f'    <checksum type="sha256">{"a" * 64}</checksum>\n'
    f'    <open-checksum type="sha256">{"b" * 64}</open-checksum>\n'
    f'    <location href="repodata/{"a" * 64}-primary.xml.gz"/>\n'
    "    <timestamp>1790812800</timestamp>\n"
    "    <size>1234</size>\n"
    "    <open-size>5678</open-size>\n"
    "  </data>\n"
    '  <data type="other">\n'
    f'    <checksum type="sha256">{"c" * 64}</checksum>\n'
    '    <location href="repodata/other.xml.gz"/>\n'
    "    <timestamp>1790816400</timestamp>\n"
    "    <size>10</size>\n"
    "  </data>\n"
    "</repomd>\n"
).encode()


def test_build_golden() -> None:
    assert build_repomd("1790816400", [PRIMARY, OTHER]) == GOLDEN


def test_round_trip_and_newest_timestamp() -> None:
    parsed = parse_repomd(build_repomd("1790816400", [PRIMARY, OTHER]))
    assert parsed == Repomd(revision="1790816400", timestamp=1790816400, data=(PRIMARY, OTHER))


def test_no_data_no_timestamp() -> None:
    assert parse_repomd(build_repomd("7", [])) == Repomd(revision="7", timestamp=None, data=())


def test_escapes_markup_in_values() -> None:
    odd = dataclasses.replace(PRIMARY, type='a"<&>\tb', href="x y&z\n")
    raw = build_repomd("r&<", [odd])
    assert b'type="a&quot;&lt;&amp;&gt;&#9;b"' in raw
    assert parse_repomd(raw).data == (odd,)


def test_parses_createrepo_c_output_with_extra_elements() -> None:
    raw = b"""<?xml version="1.0" encoding="UTF-8"?>
<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">
  <revision>1729846112</revision>
  <tags><distro cpeid="cpe:/o:fedoraproject:fedora:41">Fedora 41</distro></tags>
  <data type="primary_zck">
    <checksum type="sha256">  abc  </checksum>
    <open-checksum type="sha256">def</open-checksum>
    <header-checksum type="sha256">123</header-checksum>
    <location href="repodata/abc-primary.xml.zck"/>
    <timestamp>1729846099</timestamp>
    <size>100</size>
    <open-size>200</open-size>
    <header-size>30</header-size>
  </data>
</repomd>
"""
    parsed = parse_repomd(raw)
    assert parsed.revision == "1729846112"
    assert parsed.timestamp == 1729846099
    assert parsed.data[0].checksum == "abc"
    assert parsed.data[0].href == "repodata/abc-primary.xml.zck"


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("duplicate type", [PRIMARY, PRIMARY]),
        ("negative size", [dataclasses.replace(PRIMARY, size=-1)]),
        ("empty href", [dataclasses.replace(PRIMARY, href="")]),
        ("control char", [dataclasses.replace(PRIMARY, href="a\x00b")]),
    ],
)
def test_build_refuses_unrepresentable_values(label: str, value: list[RepomdData]) -> None:
    with pytest.raises(ValueError):
        build_repomd("1", value)


def _doc(data: str, *, root: str = "repomd") -> bytes:
    return (
        f'<?xml version="1.0"?><{root} xmlns="http://linux.duke.edu/metadata/repo">'
        f"<revision>1</revision>{data}</{root}>"
    ).encode()


def _data(*, timestamp: str = "5", size: str = "10", extra: str = "") -> str:
    return (
        '<data type="primary"><checksum type="sha256">ab</checksum>'
        '<location href="repodata/p.xml.gz"/>'
        f"<timestamp>{timestamp}</timestamp><size>{size}</size>{extra}</data>"
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE repomd [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">]>
<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>&lol2;</revision></repomd>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE repomd [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<repomd xmlns="http://linux.duke.edu/metadata/repo"><revision>&x;</revision></repomd>"""


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"", "not well-formed"),
        (b"this is not xml", "not well-formed"),
        (b"\x1f\x8b\x08\x00gzip", "not well-formed"),
        (b"<repomd", "not well-formed"),
        (b'<?xml version="1.0" encoding="bogus"?><repomd/>', "not well-formed"),
        (b"<repomd/>", "root element is <repomd>"),
        (_doc("", root="metalink"), "root element"),
        (BILLION_LAUGHS, "unsafe XML"),
        (EXTERNAL_ENTITY, "unsafe XML"),
        (b'<!DOCTYPE repomd SYSTEM "http://example.com/x.dtd"><repomd/>', "unsafe XML"),
        (_doc(_data(timestamp="soon")), "<timestamp>'soon'"),
        (_doc(_data(timestamp="-5")), "<timestamp>'-5'"),
        (_doc(_data(timestamp="1_000")), "expected a whole number"),
        (_doc(_data(size="1.5")), "<size>'1.5'"),
        (_doc(_data(size="")), "<size>''"),
        (_doc(_data(extra="<open-size>x</open-size>")), "<open-size>'x'"),
        (_doc(_data() + _data()), "more than one <data type='primary'>"),
        (_doc("<data><checksum>ab</checksum></data>"), "no type attribute"),
        (_doc('<data type="primary"><location href="x"/></data>'), "has no <checksum>"),
        (_doc(_data().replace('<location href="repodata/p.xml.gz"/>', "")), "no <location"),
        (_doc(_data().replace("<size>10</size>", "")), "has no <size>"),
        (_doc(_data().replace("<timestamp>5</timestamp>", "")), "has no <timestamp>"),
    ],
)
def test_malformed_input_raises_format_error(raw: bytes, problem: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_repomd(raw, source="https://dl.example/repodata/repomd.xml")
    message = str(info.value)
    assert message.startswith("https://dl.example/repodata/repomd.xml: ")
    assert problem in message


def test_oversized_input_is_refused_before_parsing() -> None:
    raw = b" " * (MAX_REPOMD_BYTES + 1)
    with pytest.raises(FormatError, match="larger than"):
        parse_repomd(raw, source="big.xml")


# Any text XML 1.0 can carry, including the whitespace a parser would normalise if unescaped.
_xml_char = st.characters(
    exclude_categories=("Cs", "Cc"), exclude_characters="\ufffe\uffff"
) | st.sampled_from("\t\n\r\x7f\x85")
_xml_text = st.text(_xml_char, max_size=20)
_hex = st.text("0123456789abcdef", min_size=1, max_size=128)
_count = st.integers(min_value=0, max_value=2**63)
_entries = st.lists(
    st.builds(
        RepomdData,
        type=_xml_text.filter(bool),
        href=_xml_text.filter(bool),
        checksum=_hex,
        checksum_type=st.sampled_from(["sha256", "sha512", "sha1", "md5"]),
        open_checksum=st.none() | _hex,
        size=_count,
        open_size=st.none() | _count,
        timestamp=_count,
    ),
    max_size=6,
    unique_by=lambda entry: entry.type,
)


@given(revision=_xml_text, entries=_entries)
def test_round_trip_property(revision: str, entries: list[RepomdData]) -> None:
    parsed = parse_repomd(build_repomd(revision, entries))
    assert parsed.revision == revision
    assert parsed.data == tuple(entries)
    assert parsed.timestamp == max((e.timestamp for e in entries), default=None)
