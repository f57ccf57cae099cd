/* The express lane in C (mirrorlist/express.py has it in Python: `answer_py`, the
 * reference; its module doc states the contract and the tests hold this twin to it).
 *
 * Why C: the lane's Python is ~150 bytecode-level steps a request (attribute reads,
 * dict look-ups, small helpers, f-strings): once the answer itself was compiled
 * (`_orders.compose`, `_bodies`), that glue was most of a request's time. Here it is
 * the same reads in the same order, calling the same Python objects for the real work
 * (`parse_plain`, `compose`, `pick`, `longest`, the body builders) and inlining only
 * the small helpers' common case, with the helper itself as the fallback: the metalink
 * head and `<metalink>` line when `metalink.render` would find them cached, the
 * mirrorlist header when `describe`'s `clean` changes nothing, the access-log line when
 * `format_line` takes its fast form. Returns None before any side effect, exactly where
 * `answer_py` does; a scope of unexpected types (not what an ASGI server passes) gives
 * None too, where `answer_py` might raise: the general path answers either way.
 *
 * Three files: this one `answer` and the module; _express_setup.c the names, constants
 * and imported callables (_express.h declares what they share); _express_text.c the
 * client's address and the answer's text pieces.
 */
#include "_express.h"

#include <math.h>
#include <time.h>

PyDoc_STRVAR(answer_doc,
"answer(app, scope) -> tuple[dict, dict] | None\n\n"
"`express.answer_py(app, scope)`: the response messages (start, body) of the common\n"
"request, or None (before any side effect) for the general path.");

static double
monotonic(void) /* time.perf_counter() on Linux */
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* getattr(object, name) + 1 stored back: `object.name += 1`. */
static int
increment(PyObject *object, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(object, name);
    Py_XSETREF(value, value ? PyNumber_InPlaceAdd(value, i_one) : NULL);
    int done = value ? PyObject_SetAttr(object, name, value) : -1;
    Py_XDECREF(value);
    return done;
}

/* container[key] += 1 */
static int
increment_item(PyObject *container, PyObject *key)
{
    PyObject *value = PyObject_GetItem(container, key);
    Py_XSETREF(value, value ? PyNumber_InPlaceAdd(value, i_one) : NULL);
    int done = value ? PyObject_SetItem(container, key, value) : -1;
    Py_XDECREF(value);
    return done;
}

/* An object of `type` (IPv4Address, Client) with these slots set, as its __init__ would
 * leave it, without running that __init__. */
static PyObject *
made(PyTypeObject *type, PyObject **names, PyObject **values, int count)
{
    PyObject *object = type->tp_new(type, t_empty, NULL);
    for (int n = 0; object != NULL && n < count; n++) {
        if (PyObject_SetAttr(object, names[n], values[n]) < 0) {
            Py_CLEAR(object);
        }
    }
    return object;
}

/* int(now // 1) as an int object; NULL without an error when `now` is not a finite
 * float or an int (the helpers are called: they compute it, or raise, themselves). */
static PyObject *
second_of(PyObject *now)
{
    if (PyLong_CheckExact(now)) {
        return Py_NewRef(now);
    }
    if (PyFloat_CheckExact(now) && isfinite(PyFloat_AS_DOUBLE(now))) {
        return PyLong_FromDouble(floor(PyFloat_AS_DOUBLE(now)));
    }
    return NULL;
}

/* getattr(object, name) judged true: 1 or 0; -1 on error. */
static int
attr_true(PyObject *object, PyObject *name)
{
    PyObject *value = PyObject_GetAttr(object, name);
    int truth = value ? PyObject_IsTrue(value) : -1;
    Py_XDECREF(value);
    return truth;
}

/* Each new reference `answer` makes is held here and released once at the end; every
 * hold below runs at most once a request (no loops): ~90 sites, so HELD bounds them. */
#define HELD 128
#define H(object) hold(held, &count, (object))

static inline PyObject *
hold(PyObject **held, int *count, PyObject *object)
{
    if (object != NULL && *count < HELD) {
        held[(*count)++] = object;
    }
    return object;
}

static PyObject *
answer(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "answer() takes exactly 2 arguments");
        return NULL;
    }
    if (!express_ready && express_setup() < 0) {
        return NULL;
    }
    double started = monotonic();
    PyObject *app = args[0], *scope = args[1], *result = NULL, *held[HELD];
    int count = 0;
    if (!PyDict_CheckExact(scope)) {
        Py_RETURN_NONE;
    }
    /* --- the request: method, path, query (borrowed from the scope until held) --- */
    PyObject *path = PyDict_GetItemWithError(scope, s_path);
    PyObject *method = path ? PyDict_GetItemWithError(scope, s_method) : NULL;
    int is_head = method != NULL && PyUnicode_CheckExact(method) &&
                  PyUnicode_CompareWithASCIIString(method, "HEAD") == 0;
    if (path == NULL || !PyUnicode_CheckExact(path) ||
        (!is_head && !(method != NULL && PyUnicode_CheckExact(method) &&
                       PyUnicode_CompareWithASCIIString(method, "GET") == 0))) {
        goto stop;
    }
    Py_ssize_t is_metalink = PyUnicode_Tailmatch(path, s_metalink_end, 0, PY_SSIZE_T_MAX, 1);
    if (is_metalink < 0 || (is_metalink == 0 && PyUnicode_Tailmatch(path, s_mirrorlist_end, 0, PY_SSIZE_T_MAX, 1) <= 0)) {
        goto stop;
    }
    PyObject *endpoint = is_metalink ? s_metalink : s_mirrorlist;
    PyObject *is_metalink_obj = is_metalink ? Py_True : Py_False;
    PyObject *raw = H(Py_XNewRef(PyDict_GetItemWithError(scope, s_query_string)));
    if (raw == NULL || !PyBytes_CheckExact(raw) || PyBytes_GET_SIZE(raw) > express_max_query) {
        goto stop; /* absent: b"", no repo */
    }
    PyObject *parsed = H(PyObject_Vectorcall(f_parse_plain, &raw, 1, NULL));
    if (parsed == NULL || !PyTuple_CheckExact(parsed) || PyTuple_GET_SIZE(parsed) != 2 ||
        !PyDict_CheckExact(PyTuple_GET_ITEM(parsed, 0)) ||
        PyObject_IsTrue(PyTuple_GET_ITEM(parsed, 1)) <= 0) {
        goto stop;
    }
    PyObject *params = PyTuple_GET_ITEM(parsed, 0), *name, *value, *repo = NULL, *arch = NULL;
    PyObject *ip = s_empty, *wanted_country = NULL;
    for (Py_ssize_t at = 0; PyDict_Next(params, &at, &name, &value);) {
        PyObject **slot = NULL;
        if (PyUnicode_CheckExact(name) && PyUnicode_CheckExact(value)) {
            slot = PyUnicode_CompareWithASCIIString(name, "repo") == 0      ? &repo
                   : PyUnicode_CompareWithASCIIString(name, "arch") == 0    ? &arch
                   : PyUnicode_CompareWithASCIIString(name, "ip") == 0      ? &ip
                   : PyUnicode_CompareWithASCIIString(name, "country") == 0 ? &wanted_country
                                                                            : NULL;
        }
        if (slot == NULL) {
            goto stop;
        }
        *slot = value; /* borrowed from `parsed`, held */
    }
    if (repo == NULL || arch == NULL || PyUnicode_GET_LENGTH(repo) == 0 ||
        PyUnicode_GET_LENGTH(arch) == 0) {
        goto stop;
    }
    /* --- the snapshot, the client's address and the target --- */
    PyObject *holder = H(PyObject_GetAttr(app, s_holder));
    PyObject *loaded = holder ? H(PyObject_GetAttr(holder, s_current)) : NULL;
    PyObject *pools = loaded && loaded != Py_None ? H(PyObject_GetAttr(loaded, s_pools)) : NULL;
    if (pools == NULL || pools == Py_None) {
        goto stop;
    }
    PyObject *address_text = NULL;
    if (express_client_text(app, scope, ip, &address_text) <= 0 || H(address_text) == NULL ||
        PyUnicode_GET_LENGTH(address_text) == 0) {
        goto stop;
    }
    int64_t number = express_ipv4_number(address_text);
    if (number < 0) {
        goto stop;
    }
    PyObject *index = H(PyObject_GetAttr(loaded, s_index));
    PyObject *targets = index ? H(PyObject_GetAttr(index, s_targets)) : NULL;
    PyObject *plain = targets ? H(PyObject_GetAttr(targets, s_plain)) : NULL;
    PyObject *key = plain ? H(PyTuple_Pack(3, repo, arch, is_metalink_obj)) : NULL;
    PyObject *target = key ? H(express_get(plain, key)) : NULL;
    PyObject *file_hosts = target ? H(PyObject_GetAttr(target, s_file_hosts)) : NULL;
    if (file_hosts != Py_None) {
        goto stop;
    }
    /* --- the kept GeoIP answer and the country --- */
    PyObject *handler = H(PyObject_GetAttr(app, s_handler));
    PyObject *geoip = handler ? H(PyObject_GetAttr(handler, s_geoip)) : NULL;
    PyObject *cache = geoip ? H(PyObject_GetAttr(geoip, s__cache)) : NULL;
    if (cache == NULL && geoip != NULL && PyErr_ExceptionMatches(PyExc_AttributeError)) {
        PyErr_Clear(); /* getattr(handler.geoip, "_cache", None) */
    }
    if (cache == NULL || cache == Py_None) {
        goto stop;
    }
    PyObject *located = NULL, *number_obj = H(PyLong_FromLongLong(number >> 8));
    if (number_obj == NULL || ((located = H(express_get(cache, number_obj))) == NULL &&
                               (PyErr_Occurred() ||
                                (number_obj = H(PyLong_FromLongLong(number >> 16 | 1 << 24))) == NULL ||
                                (located = H(express_get(cache, number_obj))) == NULL))) {
        goto stop;
    }
    if (!PyTuple_Check(located) || PyTuple_GET_SIZE(located) != 2) {
        PyErr_SetString(PyExc_ValueError, "express: a GeoIP answer is not a pair");
        goto stop;
    }
    PyObject *country = PyTuple_GET_ITEM(located, 0), *address = NULL; /* held by `located` */
    if (PyTuple_GET_ITEM(located, 1) != Py_None) {
        goto stop;
    }
    PyObject *overrides = H(PyObject_GetAttr(index, s_country_overrides));
    Py_ssize_t overridden = overrides ? PyObject_Length(overrides) : -1;
    if (overridden < 0) {
        goto stop;
    }
    if (overridden > 0) {
        number_obj = H(PyLong_FromLongLong(number));
        address = number_obj ? H(made(t_ipv4, &s__ip, &number_obj, 1)) : NULL;
        PyObject *lookup[] = {overrides, address};
        PyObject *found = address ? H(PyObject_Vectorcall(f_longest, lookup, 2, NULL)) : NULL;
        int truthy = found ? PyObject_IsTrue(found) : -1;
        if (truthy < 0) {
            goto stop;
        }
        country = truthy ? found : country;
    }
    if (!PyUnicode_CheckExact(country)) {
        goto stop; /* GeoIP codes are str; anything else the general path judges */
    }
    if (!PyUnicode_IS_ASCII(country)) { /* country != country.upper(), in full */
        PyObject *upper = H(PyObject_CallMethodNoArgs(country, s_upper));
        if (upper == NULL || PyObject_RichCompareBool(country, upper, Py_NE) != 0) {
            goto stop;
        }
    }
    for (Py_ssize_t i = 0; PyUnicode_IS_ASCII(country) && i < PyUnicode_GET_LENGTH(country); i++) {
        Py_UCS1 ch = PyUnicode_1BYTE_DATA(country)[i];
        if (ch >= 'a' && ch <= 'z') {
            goto stop; /* country != country.upper() */
        }
    }
    /* --- the options, the class and its full pool --- */
    PyObject *options;
    if (wanted_country != NULL) {
        key = H(PyTuple_Pack(4, is_metalink_obj, wanted_country, Py_None, Py_None));
        PyObject *parsed_options = key ? H(PyObject_GetAttr(handler, s__parsed)) : NULL;
        options = parsed_options ? H(express_get(parsed_options, key)) : NULL;
    }
    else {
        options = is_metalink ? o_metalink_default : o_mirrorlist_default;
    }
    PyObject *size = options ? H(PyObject_GetAttr(pools, s_size)) : NULL;
    int declined = size ? PyObject_RichCompareBool(size, i_zero, Py_LE) : -1;
    if (declined == 0 && PyUnicode_GET_LENGTH(country) > 0) {
        PyObject *embargoed = H(PyObject_GetAttr(index, s_embargoed));
        declined = embargoed ? PySequence_Contains(embargoed, country) : -1;
    }
    declined = declined ? declined : attr_true(index, s_strict_family);
    if (declined == 0) { /* not options.use_netblocks */
        int uses = attr_true(options, s_use_netblocks);
        declined = uses < 0 ? -1 : !uses;
    }
    if (declined != 0) {
        goto stop;
    }
    int distance = attr_true(index, s_distance_order);
    PyObject *cell = Py_None, *cells = distance > 0 ? H(PyObject_GetAttr(index, s__country_cells)) : NULL;
    if (distance < 0 || (distance > 0 && (cells == NULL || PySequence_Contains(cells, country) <= 0 ||
                                          (cell = H(PyObject_GetItem(cells, country))) == NULL))) {
        goto stop;
    }
    PyObject *directory = H(PyObject_GetAttr(target, s_directory));
    PyObject *hosts = directory ? H(PyObject_GetAttr(directory, s_hosts)) : NULL;
    key = hosts ? H(Py_BuildValue("(NOOOO)", PyLong_FromVoidPtr(hosts), country, cell, i_four,
                                  options)) : NULL;
    PyObject *ordered = key ? H(PyObject_GetAttr(pools, s__pools)) : NULL;
    PyObject *pool = ordered ? H(express_get(ordered, key)) : NULL;
    PyObject *pool_hosts = pool ? H(PyObject_GetAttr(pool, s_hosts)) : NULL;
    if (pool_hosts == NULL || pool_hosts != hosts || attr_true(pool, s_pooled) <= 0) {
        goto stop;
    }
    PyObject *view = H(PyObject_GetAttr(pool, s_view));
    PyObject *entries = view && view != Py_None ? H(PyObject_GetAttr(pool, s_entries)) : NULL;
    Py_ssize_t entry_count = entries ? PyObject_Length(entries) : -1;
    PyObject *count_obj = entry_count >= 0 ? H(PyLong_FromSsize_t(entry_count)) : NULL;
    if (count_obj == NULL || PyObject_RichCompareBool(count_obj, size, Py_LT) != 0) {
        goto stop;
    }
    /* --- no return None from here on: the draws and counters are the general path's --- */
    PyObject *rng = NULL, *drawn = NULL;
    if (H(PyObject_CallMethodOneArg(ordered, s_move_to_end, key)) == NULL ||
        (rng = H(PyObject_GetAttr(handler, s_rng))) == NULL ||
        (drawn = H(PyObject_CallMethodNoArgs(rng, s_random))) == NULL) {
        goto stop;
    }
    if (PyFloat_CheckExact(drawn)) { /* int(rng.random() * len(entries)) */
        drawn = H(PyLong_FromDouble(PyFloat_AS_DOUBLE(drawn) * (double)entry_count));
    }
    else {
        drawn = H(PyNumber_Multiply(drawn, count_obj));
        drawn = drawn ? H(PyNumber_Long(drawn)) : NULL;
    }
    drawn = drawn ? H(PyObject_GetItem(entries, drawn)) : NULL;
    if (drawn == NULL || increment(pools, s_hits) < 0 || increment(pool, s_served) < 0) {
        goto stop;
    }
    if (address == NULL) {
        number_obj = H(PyLong_FromLongLong(number));
        if (number_obj == NULL || (address = H(made(t_ipv4, &s__ip, &number_obj, 1))) == NULL) {
            goto stop;
        }
    }
    PyObject *client_args[] = {address, country, Py_None};
    PyObject *client_names[] = {s_address, s_country, s_position};
    PyObject *client = H(express_client_fast
                             ? made(t_client, client_names, client_args, 3)
                             : PyObject_Vectorcall((PyObject *)t_client, client_args, 3, NULL));
    int countries = client ? attr_true(options, s_countries) : -1;
    PyObject *chosen = countries >= 0 ? H(PySet_New(NULL)) : NULL;
    PyObject *compose_args[] = {index, pool, drawn, view, client, countries ? Py_True : Py_False,
                                chosen, rng};
    PyObject *composed = chosen ? H(PyObject_Vectorcall(f_compose, compose_args, 8, NULL)) : NULL;
    PyObject *records = NULL, *notes = NULL, *family_note = NULL;
    if (composed != NULL && composed != Py_None) {
        records = H(PySequence_GetItem(composed, 0));
        notes = records ? H(PySequence_GetItem(composed, 2)) : NULL;
        family_note = notes ? H(PyObject_GetAttr(drawn, s_family_note)) : NULL;
    }
    else if (composed != NULL) { /* the requested countries' hosts all came first: drawn afresh */
        PyObject *pick_args[] = {index, hosts, client, options, rng};
        PyObject *picked = H(PyObject_Vectorcall(f_pick, pick_args, 5, NULL));
        records = picked ? H(PyObject_GetAttr(picked, s_records)) : NULL;
        notes = records ? H(PyObject_GetAttr(picked, s_notes)) : NULL;
        family_note = notes ? H(PyObject_GetAttr(picked, s_family_note)) : NULL;
    }
    PyObject *now = family_note ? H(PyObject_CallMethodNoArgs(app, s_clock)) : NULL;
    if (now == NULL) {
        goto stop;
    }
    /* --- the body --- */
    PyObject *second = H(second_of(now)), *body = NULL, *content_type;
    if (is_metalink) {
        PyObject *file_name = H(PyObject_GetAttr(target, s_file_name));
        PyObject *files = file_name ? H(PyObject_GetAttr(target, s_files)) : NULL;
        PyObject *suffix = files ? H(PyObject_GetAttr(target, s_suffix)) : NULL;
        int commented = suffix ? PyObject_IsTrue(family_note) : -1;
        if (commented >= 0) {
            body = H(express_metalink_cached(file_name, files, records, suffix, second,
                                             commented));
        }
        if (body == NULL && !PyErr_Occurred() && commented >= 0) {
            PyObject *render_args[] = {file_name, files, records, suffix, now, family_note};
            body = H(PyObject_Vectorcall(f_render, render_args, 4, t_render_kw));
        }
        content_type = c_metalink_type;
    }
    else {
        PyObject *repo_a = H(PyObject_GetAttr(target, s_repo));
        PyObject *arch_a = repo_a ? H(PyObject_GetAttr(target, s_arch)) : NULL;
        PyObject *path_a = arch_a ? H(PyObject_GetAttr(target, s_path)) : NULL;
        PyObject *what = path_a ? H(express_described(repo_a, arch_a, path_a)) : NULL;
        PyObject *suffix = what ? H(PyObject_GetAttr(target, s_suffix)) : NULL;
        body = suffix ? H(express_mirrorlist(records, suffix, what, notes)) : NULL;
        content_type = c_text_type;
    }
    /* --- the access log and the metrics --- */
    PyObject *log = body ? H(PyObject_GetAttr(app, s_access_log)) : NULL;
    PyObject *repo_t = log ? H(PyObject_GetAttr(target, s_repo)) : NULL;
    PyObject *log_path = NULL;
    int logged = repo_t ? PyObject_IsTrue(repo_t) : -1;
    if (logged > 0) {
        log_path = H(PyObject_GetAttr(log, s_path));
        logged = log_path == NULL ? -1 : log_path != Py_None;
    }
    if (logged < 0) {
        goto stop;
    }
    if (logged) {
        PyObject *buffer = H(PyObject_GetAttr(log, s__buffer));
        PyObject *limit = buffer ? H(PyObject_GetAttr(m_accesslog, s__MAX_BUFFERED)) : NULL;
        Py_ssize_t buffered = limit ? PyObject_Length(buffer) : -1;
        PyObject *buffered_obj = buffered >= 0 ? H(PyLong_FromSsize_t(buffered)) : NULL;
        int full = buffered_obj ? PyObject_RichCompareBool(buffered_obj, limit, Py_GE) : -1;
        if (full < 0 || (full && increment(log, s_dropped) < 0)) {
            goto stop;
        }
        if (!full) {
            PyObject *arch_t = H(PyObject_GetAttr(target, s_arch));
            PyObject *fields[] = {address_text, country, repo_t, arch_t, endpoint};
            PyObject *line = arch_t ? H(express_log_line(fields, now, second)) : NULL;
            if (line == NULL || H(PyObject_CallMethodOneArg(buffer, s_append, line)) == NULL) {
                goto stop;
            }
        }
    }
    double seconds = monotonic() - started;
    Py_ssize_t bucket = 0;
    while (bucket < express_n_buckets && express_buckets[bucket] < seconds) {
        bucket++;
    }
    PyObject *metrics = H(PyObject_GetAttr(app, s_metrics));
    PyObject *requests = metrics ? H(PyObject_GetAttr(metrics, s_requests)) : NULL;
    if (requests == NULL ||
        increment_item(requests, is_metalink ? k_metalink_ok : k_mirrorlist_ok) < 0) {
        goto stop;
    }
    PyObject *counts = H(PyObject_GetAttr(metrics, s_latency_counts));
    PyObject *bucket_obj = counts ? H(PyLong_FromSsize_t(bucket)) : NULL;
    PyObject *total = NULL, *elapsed = NULL;
    if (bucket_obj == NULL || increment_item(counts, bucket_obj) < 0 ||
        (total = H(PyObject_GetAttr(metrics, s_latency_sum))) == NULL ||
        (elapsed = H(PyFloat_FromDouble(seconds))) == NULL ||
        (total = H(PyNumber_InPlaceAdd(total, elapsed))) == NULL ||
        PyObject_SetAttr(metrics, s_latency_sum, total) < 0) {
        goto stop;
    }
    /* --- the response messages --- */
    Py_ssize_t body_size = PyObject_Length(body);
    if (body_size >= 0) {
        result = Py_BuildValue(
            "({O:O,O:i,O:[(OO)(ON)]}{O:O,O:O})", s_type, s_start_type, s_status, 200, s_headers,
            b_content_type, content_type, b_content_length, PyBytes_FromFormat("%zd", body_size),
            s_type, s_body_type, s_body, is_head ? b_empty : body);
    }
stop: /* None when no error was raised: the general path answers */
    if (result == NULL && !PyErr_Occurred()) {
        result = Py_NewRef(Py_None);
    }
    while (count > 0) {
        Py_DECREF(held[--count]);
    }
    return result;
}

static PyMethodDef methods[] = {
    {"answer", (PyCFunction)(void (*)(void))answer, METH_FASTCALL, answer_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_express",
    "The express lane in C (see mirrorlist/express.py).", -1, methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__express(void)
{
    if (express_intern_names() < 0) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
