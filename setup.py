"""The compiled parts of the mirrorlist server's answer path (docs/mirrorlist-server.md):
the answer bodies' byte assembly (formats/_bodies.c), the answer pools' gather
(core/_orders.c), the common query string's parsing (mirrorlist/_query.c) and the
express lane, the common request from scope to response (mirrorlist/_express.c).

Optional: without a C compiler the build goes on and `formats/bodies.py`,
`core/pool.py`, `mirrorlist/app.py` and `mirrorlist/express.py` use their Python
versions of the same functions (same answers, slower).
"""

from setuptools import Extension, setup

_FLAGS = ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]

setup(
    ext_modules=[
        Extension(name, [source], optional=True, extra_compile_args=_FLAGS)
        for name, source in (
            ("mirrormanager.formats._bodies", "src/mirrormanager/formats/_bodies.c"),
            ("mirrormanager.core._orders", "src/mirrormanager/core/_orders.c"),
            ("mirrormanager.mirrorlist._query", "src/mirrormanager/mirrorlist/_query.c"),
            ("mirrormanager.mirrorlist._express", "src/mirrormanager/mirrorlist/_express.c"),
        )
    ]
)
