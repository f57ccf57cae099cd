/* What the sources of the `_orders` module share (setup.py builds it from all three):
 * core/_orders.c the module itself and `gather`, core/_orders_prefixes.c the prefix
 * look-ups, core/_orders_compose.c the composition of a pooled answer.
 *
 * Internal to the module: everything here is hidden from the .so's symbols, which export
 * PyInit__orders alone, as when the module was one file.
 */
#ifndef MIRRORMANAGER_CORE_ORDERS_H
#define MIRRORMANAGER_CORE_ORDERS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#define ORDERS_INTERNAL __attribute__((visibility("hidden")))

/* A name read or compared, made once (module init) into *name. */
typedef struct {
    PyObject **name;
    const char *text;
} orders_name;

/* Interns the names not yet made; 0, or -1 with an exception set. (core/_orders.c) */
ORDERS_INTERNAL int orders_intern(const orders_name *names, size_t count);

/* core/_orders_prefixes.c: its names and the ipaddress classes (0, or -1); the look-up
 * `PrefixTable.longest` (chains 0) or `matches` (chains 1) does, a new reference; the
 * module's `longest` and `matches`. */
ORDERS_INTERNAL int orders_prefixes_init(void);
ORDERS_INTERNAL PyObject *orders_prefix_lookup(PyObject *table, PyObject *address, int chains);
ORDERS_INTERNAL PyObject *orders_longest(PyObject *module, PyObject *const *args,
                                         Py_ssize_t nargs);
ORDERS_INTERNAL PyObject *orders_matches(PyObject *module, PyObject *const *args,
                                         Py_ssize_t nargs);
ORDERS_INTERNAL extern const char orders_longest_doc[], orders_matches_doc[];

/* core/_orders_compose.c: its names (0, or -1); the module's `compose`. */
ORDERS_INTERNAL int orders_compose_init(void);
ORDERS_INTERNAL PyObject *orders_compose(PyObject *module, PyObject *const *args,
                                         Py_ssize_t nargs);
ORDERS_INTERNAL extern const char orders_compose_doc[];

#endif /* MIRRORMANAGER_CORE_ORDERS_H */
