"""Metalink 3.0 output, frozen by golden files in tests/data/golden/."""

from __future__ import annotations

from pathlib import Path

import defusedxml.ElementTree as ET
from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.selection import Chosen
from mirrormanager.core.snapshot_model import FileDetailInfo, HostInfo
from mirrormanager.formats import metalink
from mirrormanager.mirrorlist.prepared import prepare_record
from tests.unit.formats import reference_render

GOLDEN = Path(__file__).parents[2] / "data" / "golden"
NOW = 1_730_001_000
NS = "{http://www.metalinker.org/}"
MM0 = "{http://fedorahosted.org/mirrormanager}"

PUBLIC = HostInfo(1, "a", "DE", 100, 1, False)
PRIVATE = HostInfo(2, "b", "US", 10, 1, True)
HOSTS = [
    Chosen(
        PUBLIC,
        (
            ("https", "https://a.example/f/repodata/repomd.xml"),
            ("http", "http://a.example/f/repodata/repomd.xml"),
        ),
        "country",
    ),
    Chosen(PRIVATE, (("https", "https://b.example/x?a=1&b=2"),), "netblock"),
]
CURRENT = FileDetailInfo(1_730_000_000, 4321, "a" * 32, "b" * 40, "c" * 64, "d" * 128)
OLDER = FileDetailInfo(1_720_000_000, 4000, None, None, "3" * 64, None)


def render(file_name, details, hosts, suffix="", *, now=NOW, comment=""):
    """The server's path: records prepared once, then the one renderer."""
    records = [prepare_record(c.host, c.urls) for c in hosts]
    return metalink.render(file_name, details, records, suffix, now=now, comment=comment)


def test_repomd_metalink_golden() -> None:
    body = render("repomd.xml", [CURRENT, OLDER], HOSTS)
    assert body.decode() == (GOLDEN / "metalink_repomd.xml").read_text(encoding="utf-8")
    root = ET.fromstring(body)
    assert root.tag == NS + "metalink" and root.get("version") == "3.0"
    file_ = root.find(f"{NS}files/{NS}file")
    assert file_.get("name") == "repomd.xml"
    hashes = {h.get("type"): h.text for h in file_.findall(f"{NS}verification/{NS}hash")}
    assert hashes == {"md5": "a" * 32, "sha1": "b" * 40, "sha256": "c" * 64, "sha512": "d" * 128}
    assert len(file_.findall(f"{MM0}alternates/{MM0}alternate")) == 1
    urls = file_.findall(f"{NS}resources/{NS}url")
    assert [u.get("preference") for u in urls] == ["100", "100", "99"]
    assert [u.get(f"{MM0}private") for u in urls] == [None, None, "True"]
    assert urls[2].text == "https://b.example/x?a=1&b=2"


def test_preference_never_below_one() -> None:
    many = [Chosen(PUBLIC, (("http", f"http://h{i}/"),), "global") for i in range(120)]
    root = ET.fromstring(render("f", [], many))
    prefs = [int(u.get("preference")) for u in root.iter(f"{NS}url")]
    assert prefs[0] == 100 and prefs[99] == 1 and prefs[-1] == 1


def test_error_is_a_valid_metalink_with_the_message_in_a_comment() -> None:
    body = metalink.error("# repo = x--y arch = z error: invalid repo or arch", now=NOW)
    assert body.decode() == (GOLDEN / "metalink_error.xml").read_text(encoding="utf-8")
    assert ET.fromstring(body).tag == NS + "metalink"


def test_hostile_file_name_is_escaped() -> None:
    body = render('a"<&>.iso', [], [])
    assert ET.fromstring(body).find(f"{NS}files/{NS}file").get("name") == 'a"<&>.iso'


def test_suffix_is_escaped_and_a_nul_in_the_file_name_stays_in_the_head() -> None:
    hosts = [
        Chosen(PUBLIC, (("https", "https://a.example/f"),), "country"),
        Chosen(PRIVATE, (("http", "http://b.example/g"),), "netblock"),
    ]
    body = render("a\x00b.iso", [], hosts, "/x&y/a\x00b.iso").decode()
    assert '<file name="a\x00b.iso">' in body
    assert 'preference="100">https://a.example/f/x&amp;y/a\x00b.iso</url>\n' in body
    assert 'preference="99" mm0:private="True">http://b.example/g/x&amp;y/a\x00b.iso</url>' in body


_TEXT = st.text(st.characters(codec="utf-8"), max_size=12)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.booleans(),  # private
            st.sampled_from(["DE", "US", "", "A\x00"]),
            st.lists(st.tuples(st.sampled_from(["https", "http", "ftp", "rsync"]), _TEXT)),
        ),
        max_size=130,
    ),
    st.sampled_from(["repomd.xml", "a\x00b", "x<&>"]),
    _TEXT,
    st.sampled_from(["", "a -- comment"]),
)
def test_render_equals_the_reference_renderer(rows, file_name, suffix, comment) -> None:
    hosts = [
        Chosen(HostInfo(i, "h", cc, 1, 1, private), tuple(urls), "global", suffix)
        for i, (private, cc, urls) in enumerate(rows)
    ]
    fast = render(file_name, [CURRENT, OLDER], hosts, suffix, comment=comment)
    want = reference_render.metalink_doc(
        file_name, [CURRENT, OLDER], hosts, now=NOW, comment=comment
    )
    assert fast == want
    assert fast.count(b"<url ") == sum(len(urls) for _p, _c, urls in rows)
