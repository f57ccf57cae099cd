"""Longest-prefix matching of client addresses against netblocks (pure).

A `PrefixTable` keeps, for each address family, one dict per prefix length present:
network (the address shifted right to the prefix length) -> value. A lookup probes only
the prefix lengths that occur, from the most specific down, so its cost is bounded by
33 (IPv4) or 129 (IPv6) dict probes whatever the number of netblocks — never a scan.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

V = TypeVar("V")

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


class PrefixTable(Generic[V]):
    """Netblocks -> values, answering which netblocks contain an address."""

    __slots__ = ("_lengths", "_levels", "_size", "_tables")

    def __init__(self) -> None:
        # per family (4, 6): prefix length -> {network >> (bits - length): value}
        self._tables: dict[int, dict[int, dict[int, V]]] = {4: {}, 6: {}}
        self._lengths: dict[int, tuple[int, ...]] = {4: (), 6: ()}
        # per family: (prefix length, shift, its dict), most specific first — what a
        # lookup walks, without recomputing shifts or indexing `_tables`
        self._levels: dict[int, tuple[tuple[int, int, dict[int, V]], ...]] = {4: (), 6: ()}
        self._size = 0

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
        by_length = self._tables[family]
        level = by_length.get(length)
        if level is None:
            level = by_length[length] = {}
            self._lengths[family] = tuple(sorted(by_length, reverse=True))
            self._levels[family] = tuple((n, bits - n, by_length[n]) for n in self._lengths[family])
        key = number >> (bits - length)
        if key in level:
            level[key] = merge(level[key], value) if merge else value
        else:
            level[key] = value
            self._size += 1

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
                level = tables[family].get(length)
                if level is None:
                    self.add(text, value)  # creates the level and its lookup tuple
                    level = tables[family][length]
                    levels[(family, length)] = level
                    continue
                levels[(family, length)] = level
            level[number >> (bits - length)] = value
        self._size = sum(
            len(level) for by_length in tables.values() for level in by_length.values()
        )
        return skipped

    def __len__(self) -> int:
        return self._size

    def longest(self, address: Address) -> V | None:
        """The value of the most specific netblock containing `address`, or None."""
        number = int(address)
        for _length, shift, level in self._levels[address.version]:
            value = level.get(number >> shift)
            if value is not None:
                return value
        return None

    def matches(self, address: Address) -> list[tuple[int, V]]:
        """(prefix length, value) of every netblock containing `address`, most specific first."""
        number = int(address)
        found = []
        for length, shift, level in self._levels[address.version]:
            value = level.get(number >> shift)
            if value is not None:
                found.append((length, value))
        return found
