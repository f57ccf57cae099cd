"""The demo: a Fedora-shaped master tree, a mirror network on loopback, demo accounts.

:class:`mirrormanager.demo.world.DemoWorld` builds it step by step for `mirrormanager
demo`, the benchmarks and the tests. The modules below it: ``tree`` and ``tree_fedora``
(what the master tree holds, small and at Fedora's size) write through ``writer``;
``network`` and ``network_fedora`` add the mirror side to the database; ``mirrors`` plays
every demo mirror from one local HTTP server; ``accounts`` and ``geoip`` add logins and a
country database.
"""
