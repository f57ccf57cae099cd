"""The compiled parts of the mirrorlist server's answer path (docs/mirrorlist-server.md):
the answer bodies' byte assembly (formats/_bodies.c), the answer pools' gather and
composition and the prefix look-ups (core/_orders.c, _orders_compose.c, _orders_prefixes.c,
sharing _orders.h), the common query string's parsing (mirrorlist/_query.c) and the
express lane, the common request from scope to response (mirrorlist/_express.c).

Optional: without a C compiler the build goes on and `formats/bodies.py`,
`core/pool.py`, `mirrorlist/app.py` and `mirrorlist/express.py` use their Python
versions of the same functions (same answers, slower).
"""

from setuptools import Extension, setup

_FLAGS = ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]

# Each module's files: its sources (.c) and the headers they include (.h, as `depends`: a
# changed header rebuilds the module, and the source distribution carries it).
_MODULES = {
    "mirrormanager.formats._bodies": ["src/mirrormanager/formats/_bodies.c"],
    "mirrormanager.core._orders": [
        "src/mirrormanager/core/_orders.c",
        "src/mirrormanager/core/_orders_prefixes.c",
        "src/mirrormanager/core/_orders_compose.c",
        "src/mirrormanager/core/_orders.h",
    ],
    "mirrormanager.mirrorlist._query": ["src/mirrormanager/mirrorlist/_query.c"],
    "mirrormanager.mirrorlist._express": ["src/mirrormanager/mirrorlist/_express.c"],
}

setup(
    ext_modules=[
        Extension(
            name,
            [f for f in files if f.endswith(".c")],
            depends=[f for f in files if f.endswith(".h")],
            optional=True,
            extra_compile_args=_FLAGS,
        )
        for name, files in _MODULES.items()
    ]
)
