"""The compiled parts of the mirrorlist server's answer path (docs/mirrorlist-server.md):
the answer bodies' byte assembly (formats/_bodies.c), the answer pools' gather and
composition and the prefix look-ups (core/_orders.c with _orders_compose.c and
_orders_prefixes.c; their shared header _orders.h), the common query string's parsing
(mirrorlist/_query.c) and the express lane, the common request from scope to response
(mirrorlist/_express.c with _express_setup.c and _express_text.c; their shared header
_express.h).

Optional: without a C compiler the build goes on and `formats/bodies.py`,
`core/pool.py`, `mirrorlist/app.py` and `mirrorlist/express.py` use their Python
versions of the same functions (same answers, slower).
"""

from setuptools import Extension, setup

_FLAGS = ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
_SRC = "src/mirrormanager"

# Each extension: its C sources, and the headers they include (`depends`: a changed
# header rebuilds the extension, and the source distribution carries it).
_MODULES: dict[str, tuple[list[str], list[str]]] = {
    "mirrormanager.formats._bodies": ([f"{_SRC}/formats/_bodies.c"], []),
    "mirrormanager.core._orders": (
        [
            f"{_SRC}/core/_orders.c",
            f"{_SRC}/core/_orders_prefixes.c",
            f"{_SRC}/core/_orders_compose.c",
        ],
        [f"{_SRC}/core/_orders.h"],
    ),
    "mirrormanager.mirrorlist._query": ([f"{_SRC}/mirrorlist/_query.c"], []),
    "mirrormanager.mirrorlist._express": (
        [
            f"{_SRC}/mirrorlist/_express.c",
            f"{_SRC}/mirrorlist/_express_setup.c",
            f"{_SRC}/mirrorlist/_express_text.c",
        ],
        [f"{_SRC}/mirrorlist/_express.h"],
    ),
}

setup(
    ext_modules=[
        Extension(name, sources, depends=depends, optional=True, extra_compile_args=_FLAGS)
        for name, (sources, depends) in _MODULES.items()
    ]
)
