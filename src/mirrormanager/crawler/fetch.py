"""The HTTP client behind the crawler: a small Protocol, two implementations, bounded bodies.

Production uses aiohttp: measured on loopback it costs about 0.08 ms of CPU per request
against 0.6 ms for httpx (httpcore's per-request anyio and pool bookkeeping), which made
the crawler CPU-bound at hundreds of mirrors (docs/crawler.md, "Benchmark"). Tests inject an
``httpx.AsyncClient`` with a ``MockTransport``; ``as_fetcher`` wraps it in the same
Protocol, so unit tests keep their in-memory mirrors.

Bodies are read raw and decoded here, in slices of at most ``_SLICE`` bytes, so a limit is
checked on decoded bytes as they arrive: a gzip bomb costs one slice over the limit, not
its expanded size.
"""

from __future__ import annotations

import contextlib
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import httpx
import yarl

from mirrormanager.crawler.model import CrawlError

_SLICE = 64 << 10  # most decoded bytes produced at once
_DRAIN_LIMIT = 64 << 10

Sink = Callable[[bytes], None]


class BodyTooLarge(CrawlError):
    """A body over its cap; carries the cap and the bytes read (decoded, or raw when the
    raw stream passed the cap first), or the declared Content-Length."""

    def __init__(self, url: str, limit: int, received: int, *, declared: bool = False) -> None:
        if declared:
            reason = f"response of {received} bytes exceeds {limit}"
        else:
            reason = f"response larger than {limit} bytes"
        super().__init__(url, reason)
        self.limit = limit
        self.received = received


class FetchError(Exception):
    """A transport failure (refused, reset, TLS, timeout); ``timeout`` says which kind."""

    def __init__(self, message: str, *, timeout: bool = False) -> None:
        super().__init__(message)
        self.timeout = timeout


class Response(Protocol):
    status: int
    headers: Mapping[str, str]  # case-insensitive

    def raw(self) -> AsyncIterator[bytes]:
        """The body as sent (not decoded), in chunks."""
        ...


class Fetcher(Protocol):
    """One host's HTTP client: keep-alive, no automatic redirects or decoding."""

    def stream(self, method: str, url: str) -> contextlib.AbstractAsyncContextManager[Response]:
        """Send the request; raises FetchError for transport failures."""
        ...

    async def aclose(self) -> None: ...


@dataclass(slots=True)
class _AiohttpResponse:
    status: int
    headers: Mapping[str, str]
    _response: aiohttp.ClientResponse

    async def raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.content.iter_chunked(_SLICE):
                yield chunk
        except TimeoutError:
            raise FetchError("read timed out", timeout=True) from None
        except aiohttp.ClientError as exc:
            raise FetchError(describe(exc)) from None


def describe(exc: aiohttp.ClientError) -> str:
    """One readable line per failure, naming its kind the way operators grep for it."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return f"TLS certificate rejected: {exc.certificate_error}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"ConnectError: {exc.os_error.strerror or exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectionResetError):
        # Typically a server that talked first (garbage before our request) and whose
        # answer aiohttp already rejected, closing the connection under the request.
        return "ConnectionReset: the connection broke while sending the request (not HTTP?)"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return "ReadError: the server closed the connection"
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"ReadError: broken body ({exc})"
    if isinstance(exc, aiohttp.ClientResponseError):  # the answer is not HTTP
        first = str(exc.message).strip().splitlines()[0] if exc.message else "no detail"
        return f"ProtocolError: the answer is not HTTP ({first.rstrip(':')})"
    return f"{type(exc).__name__}: {exc}"


class AiohttpFetcher:
    """The production Fetcher; create it inside the running event loop."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str) -> AsyncIterator[Response]:
        try:
            context = self.session.request(
                method, yarl.URL(url, encoded=True), allow_redirects=False
            )
            response = await context.__aenter__()
        except TimeoutError:
            raise FetchError("timed out", timeout=True) from None
        except aiohttp.ClientError as exc:
            raise FetchError(describe(exc)) from None
        except ValueError as exc:  # a URL aiohttp cannot send (from a mirror's redirect)
            raise FetchError(f"invalid URL: {exc}") from None
        try:
            yield _AiohttpResponse(response.status, response.headers, response)
        finally:
            await context.__aexit__(None, None, None)

    async def aclose(self) -> None:
        await self.session.close()


@dataclass(slots=True)
class _HttpxResponse:
    status: int
    headers: Mapping[str, str]
    _response: httpx.Response

    async def raw(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._response.aiter_raw(_SLICE):
                yield chunk
        except httpx.StreamConsumed:  # an in-memory response built with content=...
            yield self._response.content
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})", timeout=True) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from None


class HttpxFetcher:
    """An ``httpx.AsyncClient`` as a Fetcher: the in-memory mirrors of the tests."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str) -> AsyncIterator[Response]:
        try:
            async with self.client.stream(method, url) as response:
                yield _HttpxResponse(response.status_code, response.headers, response)
        except httpx.TimeoutException as exc:
            raise FetchError(f"timed out ({type(exc).__name__})", timeout=True) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"{type(exc).__name__}: {exc}") from None

    async def aclose(self) -> None:
        await self.client.aclose()


def as_fetcher(client: Fetcher | httpx.AsyncClient) -> Fetcher:
    return HttpxFetcher(client) if isinstance(client, httpx.AsyncClient) else client


class _Decoder:
    """Content-Encoding decoding in bounded slices (identity, gzip, deflate)."""

    def __init__(self, encoding: str, url: str) -> None:
        encoding = encoding.strip().lower()
        self._inflate: zlib._Decompress | None = None
        if encoding in ("gzip", "x-gzip", "deflate"):
            self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header
        elif encoding not in ("", "identity"):
            raise CrawlError(url, f"unsupported Content-Encoding {encoding!r}")
        self._url = url

    def feed(self, raw: bytes) -> Iterator[bytes]:
        if self._inflate is None:
            for start in range(0, len(raw), _SLICE):
                yield raw[start : start + _SLICE] if len(raw) > _SLICE else raw
            return
        data = raw
        try:
            while data:
                piece = self._inflate.decompress(data, _SLICE)
                data = self._inflate.unconsumed_tail
                if piece:
                    yield piece
                if self._inflate.eof:
                    return  # trailing garbage after the stream is ignored
        except zlib.error as exc:
            raise CrawlError(self._url, f"corrupt compressed body: {exc}") from None


def content_length(headers: Mapping[str, str]) -> int | None:
    value = headers.get("content-length", "")
    return int(value) if value.isdigit() else None


async def read_body(response: Response, url: str, limit: int, sink: Sink) -> int:
    """Feed the decoded body to ``sink`` in slices; BodyTooLarge once it passes ``limit``.

    Returns the number of decoded bytes. At most one slice past the limit is ever decoded,
    and at most one raw chunk past it is ever read.
    """
    length = content_length(response.headers)
    encoding = response.headers.get("content-encoding", "")
    if length is not None and length > limit:
        raise BodyTooLarge(url, limit, length, declared=True)
    decoder = _Decoder(encoding, url)
    size = sent = 0
    async for chunk in response.raw():
        sent += len(chunk)  # raw bytes count too: data after a gzip stream's end is
        if sent > limit:  # ignored by the decoder, but must not be read forever
            raise BodyTooLarge(url, limit, sent)
        for piece in decoder.feed(chunk):
            size += len(piece)
            if size > limit:
                raise BodyTooLarge(url, limit, size)
            sink(piece)
    return size


async def drain(response: Response) -> None:
    """Read a small unwanted body to its end so the connection goes back to the pool
    (keep-alive); a large one is abandoned and its connection closed instead."""
    drained = 0
    with contextlib.suppress(FetchError, httpx.StreamError):
        async for chunk in response.raw():
            drained += len(chunk)
            if drained > _DRAIN_LIMIT:
                return
