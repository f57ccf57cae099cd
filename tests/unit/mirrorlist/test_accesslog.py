from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from mirrormanager.mirrorlist.accesslog import AccessLog, _field, _stamp, format_line


def test_line_format_is_tab_separated_and_safe() -> None:
    line = format_line("2001:db8::1", 1_730_001_000, "DE", "fedora\t41", "x86_64", "metalink")
    assert line == "2001:db8::1\t2024-10-27T03:50:00Z\tDE\tfedora?41\tx86_64\tmetalink\n"


def test_buffered_and_reopened_after_rotation(tmp_path: Path) -> None:
    path = tmp_path / "log" / "access.log"
    log = AccessLog(path)
    log.add("1.2.3.4", "DE", "r", "a", "mirrorlist", 0)
    assert not path.exists()  # buffered until flush
    log.flush()
    path.rename(tmp_path / "log" / "access.log.1")  # logrotate
    log.add("1.2.3.5", "", "r", "a", "metalink", 0)
    log.flush()
    assert path.read_text() == "1.2.3.5\t1970-01-01T00:00:00Z\t\tr\ta\tmetalink\n"
    assert (tmp_path / "log" / "access.log.1").read_text().startswith("1.2.3.4\t")
    log.reopen()  # SIGHUP
    log.add("1.2.3.6", "", "r", "a", "metalink", 0)
    log.close()
    assert len(path.read_text().splitlines()) == 2


def test_disabled_log_writes_nothing(tmp_path: Path) -> None:
    log = AccessLog(None)
    log.add("1.2.3.4", "DE", "r", "a", "mirrorlist", 0)
    log.close()
    assert list(tmp_path.iterdir()) == []


_TEXT = st.text(st.characters(codec="utf-8"), max_size=120) | st.sampled_from(["", "DE", "x86_64"])


@given(_TEXT, _TEXT, _TEXT, _TEXT, _TEXT)
def test_every_line_is_six_clean_fields(
    address: str, country: str, repo: str, arch: str, endpoint: str
) -> None:
    """The common case's single check gives the lines the per-field cleaning gives."""
    line = format_line(address, 1_730_001_000, country, repo, arch, endpoint)
    fields = (address, _stamp(1_730_001_000), country, repo, arch, endpoint)
    assert line == "\t".join(_field(f) for f in fields) + "\n"
    assert line.count("\t") == 5 and line.endswith("\n") and line.count("\n") == 1
