"""The handler's parsed `Options`: kept per parameter text, the same as parsed anew, bounded."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from mirrormanager.core.selection import Options
from mirrormanager.core.selection_index import METALINK_PROTOCOLS, MIRRORLIST_PROTOCOLS
from mirrormanager.mirrorlist import handlers
from mirrormanager.mirrorlist.geoip import NoGeoIP
from mirrormanager.mirrorlist.handlers import Handler


def parsed_anew(is_metalink: bool, params: dict[str, str]) -> Options:
    """How the handler built a request's Options before keeping them."""
    default = METALINK_PROTOCOLS if is_metalink else MIRRORLIST_PROTOCOLS
    return Options(
        countries=handlers._countries(params["country"]) if "country" in params else (),
        use_netblocks=params.get("netblock", "1") != "0",
        protocols=(
            handlers.parse_protocols(params["protocol"]) if "protocol" in params else default
        ),
    )


_VALUE = st.sampled_from(["", "0", "1", "de", "DE,at", "global", "https,ftp", "rsync", "x"])
_PARAMS = st.dictionaries(st.sampled_from(["country", "netblock", "protocol"]), _VALUE)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.booleans(), _PARAMS), max_size=20))
def test_kept_options_are_the_options_parsed_anew(requests) -> None:
    handler = Handler(NoGeoIP())
    for is_metalink, params in requests:
        kept = handler._options(is_metalink, params)
        assert kept == parsed_anew(is_metalink, params)
        assert handler._options(is_metalink, dict(params)) is kept  # found by the texts


def test_kept_options_are_bounded() -> None:
    handler = Handler(NoGeoIP())
    for n in range(3 * handlers._MAX_PARSED):
        options = handler._options(True, {"country": f"DE,{n}"})
        assert options.countries == ("DE",)
        assert len(handler._parsed) <= handlers._MAX_PARSED
