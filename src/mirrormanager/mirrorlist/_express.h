/* What the express lane's three files share (one extension, `_express`): _express.c
 * (`answer`, the module), _express_setup.c (defines the state below) and _express_text.c.
 * Everything here is hidden: the module exports its PyInit only.
 */
#ifndef MIRRORMANAGER_EXPRESS_H
#define MIRRORMANAGER_EXPRESS_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

#if defined(__GNUC__)
#define EXPRESS_HIDDEN __attribute__((visibility("hidden")))
#else
#define EXPRESS_HIDDEN
#endif

/* Names read, made once (module init): s_path is "path", ... */
#define NAMES(X)                                                                               \
    X(path) X(method) X(query_string) X(client) X(headers) X(repo) X(arch) X(ip) X(country)    \
    X(holder) X(current) X(pools) X(index) X(trusted) X(_trusted_peers) X(get) X(targets)     \
    X(plain) X(file_hosts) X(handler) X(geoip) X(_cache) X(country_overrides) X(_parsed)      \
    X(size) X(embargoed) X(strict_family) X(use_netblocks) X(distance_order)                  \
    X(_country_cells) X(directory) X(hosts) X(_pools) X(pooled) X(view) X(entries)            \
    X(move_to_end) X(rng) X(random) X(hits) X(served) X(countries) X(family_note) X(records)  \
    X(notes) X(clock) X(file_name) X(files) X(suffix) X(_heads) X(_opened) X(_ends)           \
    X(access_log) X(_buffer) X(append) X(dropped) X(_MAX_BUFFERED) X(_stamped) X(metrics)     \
    X(requests) X(latency_counts) X(latency_sum) X(address) X(position) X(_ip) X(now)         \
    X(comment) X(metalink) X(mirrorlist) X(ok) X(type) X(status) X(body) X(upper)
#define EXPRESS_DECLARE_NAME(name) extern EXPRESS_HIDDEN PyObject *s_##name;
NAMES(EXPRESS_DECLARE_NAME)
extern EXPRESS_HIDDEN PyObject *s_metalink_end, *s_mirrorlist_end, *s_empty, *s_space,
    *s_newline, *s_start_type, *s_body_type, *b_content_type, *b_content_length, *b_empty,
    *k_metalink_ok, *k_mirrorlist_ok, *i_zero, *i_one, *i_four, *t_empty, *t_render_kw;

/* From the Python modules, imported at the first call (express.py imports this module
 * while the app's modules may still be importing). */
extern EXPRESS_HIDDEN int express_ready;
extern EXPRESS_HIDDEN PyObject *f_parse_plain, *f_compose, *f_pick, *f_longest, *f_render,
    *f_metalink_body, *f_mirrorlist_body, *f_describe, *f_format_line, *m_metalink,
    *m_accesslog, *o_metalink_default, *o_mirrorlist_default, *c_preferences,
    *c_last_preference, *c_tail, *c_metalink_type, *c_text_type;
extern EXPRESS_HIDDEN PyTypeObject *t_ipv4, *t_client;
/* Client is the slotted dataclass (address, country, position) */
extern EXPRESS_HIDDEN int express_client_fast;
extern EXPRESS_HIDDEN double express_buckets[64];
extern EXPRESS_HIDDEN Py_ssize_t express_n_buckets, express_max_query;

/* _express_setup.c */
EXPRESS_HIDDEN int express_intern_names(void);
EXPRESS_HIDDEN int express_setup(void);
EXPRESS_HIDDEN PyObject *express_get(PyObject *map, PyObject *key);

/* _express_text.c */
EXPRESS_HIDDEN int64_t express_ipv4_number(PyObject *text);
EXPRESS_HIDDEN int express_client_text(PyObject *app, PyObject *scope, PyObject *ip,
                                       PyObject **text);
EXPRESS_HIDDEN PyObject *express_metalink_cached(PyObject *file_name, PyObject *files,
                                                 PyObject *records, PyObject *suffix,
                                                 PyObject *second, int commented);
EXPRESS_HIDDEN PyObject *express_described(PyObject *repo, PyObject *arch, PyObject *path);
EXPRESS_HIDDEN PyObject *express_mirrorlist(PyObject *records, PyObject *suffix,
                                            PyObject *what, PyObject *notes);
EXPRESS_HIDDEN PyObject *express_log_line(PyObject **fields, PyObject *now, PyObject *second);

#endif
