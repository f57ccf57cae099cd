"""Longest-prefix matching of client addresses against netblocks (pure).

A `PrefixTable` keeps, for each address family, one dict per prefix length present:
network (the address shifted right to the prefix length) -> value; adding and bulk loading
write there. Look-ups read a frozen form built from those dicts once per snapshot (or on
the first look-up after a change): the netblocks flattened into non-overlapping address
intervals, sorted, each with the value of its most specific netblock and, when asked for,
the (length, value) pairs of all its netblocks. A look-up is then one `bisect_right` (C)
over the interval starts of the address's bucket (its top bits) plus an index, whatever the
number of netblocks or prefix lengths. The compiled `_orders.longest`/`matches` do the same
look-up in C (~4 times faster); `longest` and `matches` here are those when built, else
the methods.
"""

from __future__ import annotations

import ipaddress
import socket
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, MutableSequence, Sequence
from typing import Generic, Protocol, TypeVar, cast

from mirrormanager.core import compiled

V = TypeVar("V")
T = TypeVar("T")

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_address(text: str) -> Address:
    """A client address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) becomes IPv4. ValueError if bad."""
    text = text.strip()
    try:  # the common case, a quarter of the cost of ip_address's own parsing
        packed = socket.inet_pton(socket.AF_INET, text)
    except OSError:
        pass
    else:  # inet_pton accepts exactly ip_address's dotted quads (no leading zeros)
        return ipaddress.IPv4Address(int.from_bytes(packed, "big"))
    if "%" in text:  # a zone id (fe80::1%eth0) says nothing about where a client is
        text = text.split("%", 1)[0]
    address = ipaddress.ip_address(text)
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def parse_network(text: str) -> Network:
    """A netblock; host bits set are tolerated (`10.1.2.3/8` is `10.0.0.0/8`)."""
    return ipaddress.ip_network(text.strip(), strict=False)


def parse_cidr(text: str) -> tuple[int, int, int]:
    """(family 4|6, network number, prefix length) of a CIDR, host bits cleared; fast,
    as snapshot loads parse hundreds of thousands. ValueError if it does not parse."""
    address, sep, length_text = text.strip().partition("/")
    family = 6 if ":" in address else 4
    try:
        packed = socket.inet_pton(socket.AF_INET6 if family == 6 else socket.AF_INET, address)
    except OSError:
        raise ValueError(f"not a netblock: {text!r}") from None
    bits = 128 if family == 6 else 32
    if sep:
        if not length_text.isdigit() or not 0 <= int(length_text) <= bits:
            raise ValueError(f"not a netblock: {text!r}")
        length = int(length_text)
    else:
        length = bits
    number = int.from_bytes(packed, "big") >> (bits - length) << (bits - length)
    return family, number, length


# A frozen family (see `_intervals`): interval starts (ascending, the first 0); the bucket
# index (for an address number n, the search for its interval lies between
# buckets[n >> shift] and buckets[(n >> shift) + 1]); shift; per interval, after an unused
# first entry, the index of its most specific netblock in the last one, which holds per
# netblock what a look-up answers (the value, or the chain of all the netblocks
# containing it) and last the answer for none.
Form = tuple[Sequence[int], Sequence[int], int, Sequence[int], list[T]]
Chain = tuple[tuple[int, V], ...]  # (prefix length, value), most specific first

_EMPTY: tuple[()] = ()
# per family: address bits, and the bits of a sort key that hold the prefix length
_BITS = {4: (32, 6), 6: (128, 8)}
_KINDS: dict[int, type[Address]] = {4: ipaddress.IPv4Address, 6: ipaddress.IPv6Address}
# ~16 intervals per bucket at most, so bisect touches a few neighbouring starts (a plain
# bisect over a million starts costs ~1 µs in cache misses); 65,536 buckets at most
_BUCKET_BITS = 16
_PER_BUCKET = 4  # log2 of the intervals per bucket aimed at
# IPv4 starts fit 32 bits: an array of them costs 4 bytes each, a list of ints ~36
_UINT32 = "I" if array("I").itemsize == 4 else "L"


class PrefixTable(Generic[V]):
    """Netblocks -> values, answering which netblocks contain an address.

    Look-ups use the frozen form (see the module docstring): `freeze()` builds it once the
    table is loaded; a look-up after `add`/`update` rebuilds it first (fine for small or
    stable tables, but never interleave look-ups with additions on a large one).
    """

    __slots__ = ("_longest", "_matches", "_size", "_tables")

    def __init__(self) -> None:
        # per family (4, 6): prefix length -> {network >> (bits - length): value}
        self._tables: dict[int, dict[int, dict[int, V]]] = {4: {}, 6: {}}
        self._size = 0
        # the frozen forms, by address class (a look-up's first step is `type(address)`)
        self._longest: dict[type, Form[V | None]] = {}
        self._matches: dict[type, Form[Chain[V]]] = {}

    @classmethod
    def build(
        cls,
        items: Iterable[tuple[str | Network, V]],
        merge: Callable[[V, V], V] | None = None,
    ) -> PrefixTable[V]:
        """A table from (CIDR, value) pairs; `merge(old, new)` resolves duplicates."""
        table: PrefixTable[V] = cls()
        for cidr, value in items:
            table.add(cidr, value, merge)
        return table

    def add(self, cidr: str | Network, value: V, merge: Callable[[V, V], V] | None = None) -> None:
        if isinstance(cidr, str):
            family, number, length = parse_cidr(cidr)
        else:
            family, number, length = cidr.version, int(cidr.network_address), cidr.prefixlen
        bits = 32 if family == 4 else 128
        level = self._tables[family].setdefault(length, {})
        key = number >> (bits - length)
        if key in level:
            level[key] = merge(level[key], value) if merge else value
        else:
            level[key] = value
            self._size += 1
        self._thaw()

    def update(self, rows: Iterable[tuple[str, V]]) -> int:
        """`add(cidr, value)` for many text rows (no merge: a later duplicate wins), the
        parsing of `parse_cidr` inlined — snapshot loads add 500,000 rows. Rows that do not
        parse are skipped; returns how many."""
        tables, pton, from_bytes = self._tables, socket.inet_pton, int.from_bytes
        af4, af6 = socket.AF_INET, socket.AF_INET6
        levels: dict[tuple[int, int], dict[int, V]] = {}
        skipped = 0
        for text, value in rows:
            address, sep, length_text = text.strip().partition("/")
            try:
                if ":" in address:
                    family, bits, number = 6, 128, from_bytes(pton(af6, address), "big")
                else:
                    family, bits, number = 4, 32, from_bytes(pton(af4, address), "big")
            except OSError:
                skipped += 1
                continue
            if sep:
                if not length_text.isdigit() or not 0 <= (length := int(length_text)) <= bits:
                    skipped += 1
                    continue
            else:
                length = bits
            level = levels.get((family, length))
            if level is None:
                level = levels[(family, length)] = tables[family].setdefault(length, {})
            level[number >> (bits - length)] = value
        self._size = sum(
            len(level) for by_length in tables.values() for level in by_length.values()
        )
        self._thaw()
        return skipped

    def freeze(self, *, matches: bool = False) -> PrefixTable[V]:
        """Build the look-up form now rather than on the first look-up (snapshot loads
        call this, so no request pays for it); with `matches` also the form `matches()`
        reads (it holds a tuple per netblock: leave it to tables that need it)."""
        for family in (4, 6):
            self._form(family, matches=matches)
        return self

    def _thaw(self) -> None:
        if self._longest or self._matches:
            self._longest = {}
            self._matches = {}

    def _form(self, family: int, *, matches: bool) -> None:
        kind = _KINDS[family]
        if kind in self._longest and (kind in self._matches or not matches):
            return
        longest, chains = _intervals(self._tables[family], family, matches=matches)
        self._longest[kind] = longest
        if chains is not None:
            self._matches[kind] = chains

    def _longest_form(self, address: Address) -> Form[V | None]:
        self._form(address.version, matches=False)
        form = self._longest[type(address)] = self._longest[_KINDS[address.version]]
        return form

    def _matches_form(self, address: Address) -> Form[Chain[V]]:
        self._form(address.version, matches=True)
        form = self._matches[type(address)] = self._matches[_KINDS[address.version]]
        return form

    def __len__(self) -> int:
        return self._size

    def longest(self, address: Address) -> V | None:
        """The value of the most specific netblock containing `address`, or None."""
        form = self._longest.get(type(address))
        if form is None:
            form = self._longest_form(address)
        starts, buckets, shift, owners, values = form
        number = int(address)
        bucket = number >> shift
        return values[owners[bisect_right(starts, number, buckets[bucket], buckets[bucket + 1])]]

    def matches(self, address: Address) -> list[tuple[int, V]]:
        """(prefix length, value) of every netblock containing `address`, most specific first."""
        form = self._matches.get(type(address))
        if form is None:
            form = self._matches_form(address)
        starts, buckets, shift, owners, chains = form
        number = int(address)
        bucket = number >> shift
        chain = chains[owners[bisect_right(starts, number, buckets[bucket], buckets[bucket + 1])]]
        return list(chain)


def _intervals(
    levels: dict[int, dict[int, V]], family: int, *, matches: bool
) -> tuple[Form[V | None], Form[Chain[V]] | None]:
    """The frozen form of one family's netblocks (`levels`: length -> {network: value});
    with `matches`, the form of `matches()` too (sharing all but the answers). A value
    None is no value, as it always was for look-ups."""
    bits, length_bits = _BITS[family]
    count = sum(len(level) for level in levels.values())
    index_bits = max(count.bit_length(), 1)
    start_shift = index_bits + length_bits
    # One int per netblock sorts them by start, then least specific first (so a netblock
    # comes after those enclosing it): start, prefix length, the index of its value.
    keys: list[int] = []
    values: list[V] = []
    for length, level in levels.items():
        if None in level.values():
            level = {k: v for k, v in level.items() if v is not None}
        shift = bits - length + start_shift
        tag = length << index_bits
        keys += [k << shift | tag + j for j, k in enumerate(level, len(values))]
        values += level.values()
    keys.sort()
    index_mask = (1 << index_bits) - 1
    length_mask = (1 << length_bits) - 1
    # Sweep: a netblock opens an interval at its start; where it ends, the innermost one
    # still open (or none) owns the addresses again. Several intervals may start at one
    # address: the last (the most specific) is the one `bisect_right` lands on. Arrays,
    # not lists: half a million ints would leave a worker's heap fragmented.
    none = len(values)  # the index of "no netblock"
    answers = cast("list[V | None]", values)  # the same list, its last entry None
    answers.append(None)
    # IPv4 starts fit 32 bits; IPv6 ones need ints (a list)
    starts: MutableSequence[int] = array(_UINT32, [0]) if bits == 32 else [0]
    # per interval the index of its most specific netblock, shifted by one: `bisect_right`
    # answers the index after the interval's start
    owners = array(_UINT32, [none, none])
    parents = array(_UINT32, [none]) * (none + 1)  # per netblock, the next one out
    stack: list[tuple[int, int]] = []  # the open netblocks enclosing the innermost one
    space = 1 << bits
    stop, owner = space + 1, none  # the innermost open netblock: its end (exclusive), index
    sizes = [1 << (bits - length) for length in range(bits + 1)]
    add_start, add_owner, push, pop = starts.append, owners.append, stack.append, stack.pop
    for key in keys:
        start = key >> start_shift
        while start >= stop:
            add_start(stop)
            stop, owner = pop()
            add_owner(owner)
        j = key & index_mask
        add_start(start)
        add_owner(j)
        parents[j] = owner
        push((stop, owner))
        stop, owner = start + sizes[key >> index_bits & length_mask], j
    while stack and stop < space:  # those still open past the last start
        add_start(stop)
        stop, owner = pop()
        add_owner(owner)
    bucket_bits = min(_BUCKET_BITS, max(len(starts).bit_length() - _PER_BUCKET, 0))
    shift = bits - bucket_bits
    buckets = array(_UINT32, [0]) * ((1 << bucket_bits) + 1)
    position = 0
    for bucket in range(1, 1 << bucket_bits):
        position = buckets[bucket] = bisect_left(starts, bucket << shift, position)
    buckets[-1] = len(starts)
    if not matches:
        return (starts, buckets, shift, owners, answers), None
    chains: list[Chain[V]] = [_EMPTY] * (none + 1)
    for key in keys:  # enclosing netblocks first
        j = key & index_mask
        own: Chain[V] = (((key >> index_bits) & length_mask, values[j]),)
        chains[j] = own + chains[parents[j]]
    return (starts, buckets, shift, owners, answers), (starts, buckets, shift, owners, chains)


class _Longest(Protocol):
    def __call__(self, table: PrefixTable[V], address: Address, /) -> V | None: ...


class _Matches(Protocol):
    def __call__(self, table: PrefixTable[V], address: Address, /) -> list[tuple[int, V]]: ...


# The look-ups as functions of (table, address), for hot callers: the compiled ones read the
# frozen form in C (a method's bisect, indexing and int() were ~0.5 µs, ~11 % of a request).
# The methods stay the reference (MIRRORMANAGER_PURE_PYTHON=1 uses them).
_compiled = compiled.load("mirrormanager.core._orders")
longest: _Longest = _compiled.longest if _compiled is not None else PrefixTable.longest
matches: _Matches = _compiled.matches if _compiled is not None else PrefixTable.matches
