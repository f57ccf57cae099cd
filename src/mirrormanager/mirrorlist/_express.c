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
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <string.h>
#include <time.h>

PyDoc_STRVAR(answer_doc,
"answer(app, scope) -> tuple[dict, dict] | None\n\n"
"`express.answer_py(app, scope)`: the response messages (start, body) of the common\n"
"request, or None (before any side effect) for the general path.");

/* Names and constants, made once (module init). */
static PyObject *s_path, *s_method, *s_query_string, *s_client, *s_headers, *s_repo, *s_arch,
    *s_ip, *s_country, *s_holder, *s_current, *s_pools, *s_index, *s_trusted,
    *s__trusted_peers, *s_get, *s_targets, *s_plain, *s_file_hosts, *s_handler, *s_geoip,
    *s__cache, *s_country_overrides, *s__parsed, *s_size, *s_embargoed, *s_strict_family,
    *s_use_netblocks, *s_distance_order, *s__country_cells, *s_directory, *s_hosts,
    *s__pools, *s_pooled, *s_view, *s_entries, *s_move_to_end, *s_rng, *s_random, *s_hits,
    *s_served, *s_countries, *s_family_note, *s_records, *s_notes, *s_clock, *s_file_name,
    *s_files, *s_suffix, *s__heads, *s__opened, *s__ends, *s_access_log, *s__buffer,
    *s_dropped, *s__MAX_BUFFERED, *s__stamped, *s_metrics, *s_requests, *s_latency_counts,
    *s_latency_sum, *s_address, *s_position, *s__ip, *s_now, *s_comment, *s_metalink,
    *s_mirrorlist, *s_ok, *s_type, *s_status, *s_body, *s_start_type, *s_body_type,
    *s_empty, *s_space, *s_newline;
static PyObject *b_content_type, *b_content_length, *b_empty, *k_metalink_ok, *k_mirrorlist_ok,
    *i_zero, *i_one, *i_four, *t_empty, *t_render_kw;

/* From the Python modules, imported at the first call (express.py imports this module
 * while the app's modules may still be importing). */
static int ready;
static PyObject *f_parse_plain, *f_compose, *f_pick, *f_longest, *f_render, *f_metalink_body,
    *f_mirrorlist_body, *f_describe, *f_format_line, *m_metalink, *m_accesslog,
    *o_metalink_default, *o_mirrorlist_default, *c_preferences, *c_last_preference, *c_tail,
    *c_metalink_type, *c_text_type;
static PyTypeObject *t_ipv4, *t_client;
static int client_fast; /* Client is the slotted dataclass (address, country, position) */
static double buckets[64];
static Py_ssize_t n_buckets, max_query;

static PyObject *
imported(const char *module, const char *name)
{
    PyObject *found = PyImport_ImportModule(module);
    if (found != NULL && name != NULL) {
        Py_SETREF(found, PyObject_GetAttrString(found, name));
    }
    return found;
}

static int
setup(void)
{
    struct {
        PyObject **into;
        const char *module, *name;
    } wanted[] = {
        {&f_parse_plain, "mirrormanager.mirrorlist.query", "parse_plain"},
        {&f_compose, "mirrormanager.core.pool", "compose"},
        {&f_pick, "mirrormanager.core.selection", "pick"},
        {&f_longest, "mirrormanager.core.netblocks", "longest"},
        {&f_render, "mirrormanager.formats.metalink", "render"},
        {&f_metalink_body, "mirrormanager.formats.bodies", "metalink_body"},
        {&f_mirrorlist_body, "mirrormanager.formats.bodies", "mirrorlist_body"},
        {&f_describe, "mirrormanager.formats.mirrorlist_text", "describe"},
        {&f_format_line, "mirrormanager.mirrorlist.accesslog", "format_line"},
        {&m_metalink, "mirrormanager.formats.metalink", NULL},
        {&m_accesslog, "mirrormanager.mirrorlist.accesslog", NULL},
        {&o_metalink_default, "mirrormanager.mirrorlist.handlers", "_METALINK_DEFAULT"},
        {&o_mirrorlist_default, "mirrormanager.mirrorlist.handlers", "_MIRRORLIST_DEFAULT"},
        {&c_preferences, "mirrormanager.formats.metalink", "_PREFERENCES"},
        {&c_last_preference, "mirrormanager.formats.metalink", "_LAST_PREFERENCE"},
        {&c_tail, "mirrormanager.formats.metalink", "_TAIL"},
        {&c_metalink_type, "mirrormanager.formats.metalink", "CONTENT_TYPE"},
        {&c_text_type, "mirrormanager.mirrorlist.handlers", "TEXT"},
    };
    for (size_t n = 0; n < sizeof(wanted) / sizeof(wanted[0]); n++) {
        if (*wanted[n].into == NULL &&
            (*wanted[n].into = imported(wanted[n].module, wanted[n].name)) == NULL) {
            return -1;
        }
    }
    if (!PyBytes_Check(c_metalink_type)) { /* the content types, encoded once */
        Py_SETREF(c_metalink_type, PyUnicode_AsUTF8String(c_metalink_type));
        Py_XSETREF(c_text_type, c_metalink_type ? PyUnicode_AsUTF8String(c_text_type) : NULL);
        if (c_text_type == NULL) {
            return -1;
        }
    }
    PyObject *v4 = imported("ipaddress", "IPv4Address");
    PyObject *client = imported("mirrormanager.core.selection_index", "Client");
    PyObject *bucket_list = imported("mirrormanager.mirrorlist.metrics", "BUCKETS");
    PyObject *max = imported("mirrormanager.mirrorlist.query", "MAX_QUERY");
    PyObject *slots = client ? PyObject_GetAttrString(client, "__slots__") : NULL;
    int ok = slots != NULL && PyType_Check(v4) && PyType_Check(client) &&
             PyTuple_Check(bucket_list) && PyTuple_GET_SIZE(bucket_list) < 64 && max != NULL;
    if (ok) {
        t_ipv4 = (PyTypeObject *)Py_NewRef(v4); /* kept for the module's life */
        t_client = (PyTypeObject *)Py_NewRef(client);
        max_query = PyLong_AsSsize_t(max);
        n_buckets = PyTuple_GET_SIZE(bucket_list);
        for (Py_ssize_t n = 0; n < n_buckets; n++) {
            buckets[n] = PyFloat_AsDouble(PyTuple_GET_ITEM(bucket_list, n));
        }
        /* made without their Python __init__ only when that gives an equal object */
        PyObject *fields = Py_BuildValue("(sss)", "address", "country", "position");
        client_fast = fields != NULL && t_client->tp_new == PyBaseObject_Type.tp_new &&
                      PyObject_RichCompareBool(slots, fields, Py_EQ) == 1;
        Py_XDECREF(fields);
        ok = !PyErr_Occurred() && t_ipv4->tp_new == PyBaseObject_Type.tp_new;
        if (!ok && !PyErr_Occurred()) {
            PyErr_SetString(PyExc_ImportError, "_express: IPv4Address has its own __new__");
        }
    }
    else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_ImportError, "_express: unexpected Client, BUCKETS or MAX_QUERY");
    }
    Py_XDECREF(v4);
    Py_XDECREF(client);
    Py_XDECREF(bucket_list);
    Py_XDECREF(max);
    Py_XDECREF(slots);
    ready = ok;
    return ok ? 0 : -1;
}

static double
monotonic(void) /* time.perf_counter() on Linux */
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* map.get(key): a new reference, or NULL for None (absent, or None stored: the lane
 * treats both alike) with no error set. Dicts and OrderedDicts (whose get is dict's)
 * are read directly; another mapping through its get method. */
static PyObject *
get(PyObject *map, PyObject *key)
{
    PyObject *found;
    if (PyDict_CheckExact(map) || PyODict_CheckExact(map)) {
        found = Py_XNewRef(PyDict_GetItemWithError(map, key));
    }
    else {
        found = PyObject_CallMethodOneArg(map, s_get, key);
    }
    if (found == Py_None) {
        Py_CLEAR(found);
    }
    return found;
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

/* An exact str of printable ASCII (what isprintable() says of ASCII), or not. */
static int
printable_ascii(PyObject *text)
{
    if (!PyUnicode_CheckExact(text) || !PyUnicode_IS_ASCII(text)) {
        return 0;
    }
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(text);
    for (Py_ssize_t i = 0, n = PyUnicode_GET_LENGTH(text); i < n; i++) {
        if (p[i] < 0x20 || p[i] > 0x7e) {
            return 0;
        }
    }
    return 1;
}

/* `ipv4_number(text)`: -1 for anything but a dotted quad without spaces or leading
 * zeros (non-ASCII is never one: a part must be ASCII digits). */
static int64_t
ipv4_number(PyObject *text)
{
    if (!PyUnicode_IS_ASCII(text)) {
        return -1;
    }
    const Py_UCS1 *p = PyUnicode_1BYTE_DATA(text);
    Py_ssize_t n = PyUnicode_GET_LENGTH(text), i = 0;
    int64_t number = 0;
    for (int part = 0; part < 4; part++) {
        Py_ssize_t start = i;
        int value = 0;
        while (i < n && p[i] >= '0' && p[i] <= '9' && i - start < 3) {
            value = value * 10 + (p[i++] - '0');
        }
        Py_ssize_t digits = i - start;
        if (digits == 0 || value > 255 || (digits > 1 && p[start] == '0')) {
            return -1;
        }
        if (part < 3 ? (i >= n || p[i++] != '.') : i != n) {
            return -1;
        }
        number = number << 8 | value;
    }
    return number;
}

/* `client_text(app, scope, ip)`: 1 and a new reference in *text, 0 for None (also for
 * a client or headers of unexpected types), -1 on error. */
static int
client_text(PyObject *app, PyObject *scope, PyObject *ip, PyObject **text)
{
    int has_ip = PyUnicode_GET_LENGTH(ip) > 0, found = -1;
    PyObject *peer = NULL, *trusted = NULL, *peers = NULL, *verdict = NULL, *headers = NULL;
    PyObject *client = PyDict_GetItemWithError(scope, s_client);
    if (client == NULL && PyErr_Occurred()) {
        return -1;
    }
    if (client == NULL || client == Py_None ||
        ((PyTuple_CheckExact(client) || PyList_CheckExact(client)) && Py_SIZE(client) == 0)) {
        peer = Py_NewRef(s_empty);
    }
    else if ((PyTuple_CheckExact(client) || PyList_CheckExact(client)) &&
             PyUnicode_CheckExact(PySequence_Fast_ITEMS(client)[0])) {
        peer = Py_NewRef(PySequence_Fast_ITEMS(client)[0]);
    }
    else {
        return 0;
    }
    if ((trusted = PyObject_GetAttr(app, s_trusted)) == NULL) {
        goto done;
    }
    Py_ssize_t size = PyObject_Length(trusted);
    if (size < 0) {
        goto done;
    }
    if (size == 0 || PyUnicode_GET_LENGTH(peer) == 0) {
        found = !has_ip;
        *text = found ? Py_NewRef(peer) : NULL;
        goto done;
    }
    if ((peers = PyObject_GetAttr(app, s__trusted_peers)) == NULL) {
        goto done;
    }
    verdict = get(peers, peer);
    int believed = verdict ? PyObject_IsTrue(verdict) : (PyErr_Occurred() ? -1 : 0);
    if (verdict == NULL || believed <= 0) {
        found = believed < 0 ? -1 : verdict == NULL ? 0 : !has_ip;
        *text = found > 0 ? Py_NewRef(peer) : NULL;
        goto done;
    }
    if (has_ip) {
        *text = Py_NewRef(ip);
        found = 1;
        goto done;
    }
    headers = Py_XNewRef(PyDict_GetItemWithError(scope, s_headers));
    if (headers == NULL && PyErr_Occurred()) {
        goto done;
    }
    found = 0;
    if (headers != NULL && !PyList_CheckExact(headers) && !PyTuple_CheckExact(headers)) {
        goto done;
    }
    PyObject *forwarded = NULL; /* borrowed from `headers`: no Python runs until it is used */
    for (Py_ssize_t n = 0, count = headers ? Py_SIZE(headers) : 0; n < count; n++) {
        PyObject *item = PySequence_Fast_ITEMS(headers)[n];
        if (!PyTuple_CheckExact(item) || PyTuple_GET_SIZE(item) != 2 ||
            !PyBytes_CheckExact(PyTuple_GET_ITEM(item, 0)) ||
            !PyBytes_CheckExact(PyTuple_GET_ITEM(item, 1))) {
            goto done;
        }
        PyObject *name = PyTuple_GET_ITEM(item, 0);
        if (PyBytes_GET_SIZE(name) == 15 && memcmp(PyBytes_AS_STRING(name), "x-forwarded-for", 15) == 0) {
            forwarded = PyTuple_GET_ITEM(item, 1);
        }
    }
    found = 1;
    if (forwarded == NULL) {
        *text = Py_NewRef(peer);
        goto done;
    }
    /* value.decode("latin-1").split(",")[-1].strip() or peer */
    const unsigned char *start = (const unsigned char *)PyBytes_AS_STRING(forwarded);
    const unsigned char *end = start + PyBytes_GET_SIZE(forwarded);
    for (const unsigned char *p = end; p > start; p--) {
        if (p[-1] == ',') {
            start = p;
            break;
        }
    }
    while (start < end && Py_UNICODE_ISSPACE(*start)) {
        start++;
    }
    while (end > start && Py_UNICODE_ISSPACE(end[-1])) {
        end--;
    }
    *text = end > start ? PyUnicode_DecodeLatin1((const char *)start, end - start, NULL)
                        : Py_NewRef(peer);
    found = *text ? 1 : -1;
done:
    Py_DECREF(peer);
    Py_XDECREF(trusted);
    Py_XDECREF(peers);
    Py_XDECREF(verdict);
    Py_XDECREF(headers);
    return found;
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

/* `pair` is a 2-tuple whose first item equals `second`: 1, else 0; -1 on error. */
static int
current(PyObject *pair, PyObject *second)
{
    if (second == NULL || !PyTuple_CheckExact(pair) || PyTuple_GET_SIZE(pair) != 2) {
        return 0;
    }
    return PyObject_RichCompareBool(PyTuple_GET_ITEM(pair, 0), second, Py_EQ);
}

/* `metalink.render(...)`'s cached case (its head and `<metalink>` line made already,
 * no comment): the body, or NULL without an error when the case does not hold. */
static PyObject *
metalink_cached(PyObject *file_name, PyObject *files, PyObject *records, PyObject *suffix,
                PyObject *second, int commented)
{
    PyObject *heads = NULL, *key = NULL, *found = NULL, *opened = NULL, *ends = NULL;
    PyObject *end = NULL, *pieces = NULL, *body = NULL;
    if (commented || !PyTuple_Check(files) || !PyUnicode_CheckExact(suffix)) {
        return NULL;
    }
    if ((heads = PyObject_GetAttr(m_metalink, s__heads)) == NULL ||
        (opened = PyObject_GetAttr(m_metalink, s__opened)) == NULL ||
        (ends = PyObject_GetAttr(m_metalink, s__ends)) == NULL) {
        goto done;
    }
    if (!PyDict_CheckExact(heads) || !PyDict_CheckExact(ends) ||
        (key = Py_BuildValue("(ON)", file_name, PyLong_FromVoidPtr(files))) == NULL) {
        goto done;
    }
    found = get(heads, key);
    if (found == NULL || !PyTuple_CheckExact(found) || PyTuple_GET_SIZE(found) < 2 ||
        PyTuple_GET_ITEM(found, 0) != files || current(opened, second) != 1) {
        goto done;
    }
    if ((end = get(ends, suffix)) == NULL) {
        goto done;
    }
    pieces = PyTuple_Pack(2, PyTuple_GET_ITEM(opened, 1), PyTuple_GET_ITEM(found, 1));
    if (pieces != NULL) {
        PyObject *args[] = {pieces, records, c_preferences, c_last_preference, end, c_tail};
        body = PyObject_Vectorcall(f_metalink_body, args, 6, NULL);
    }
done:
    Py_XDECREF(heads);
    Py_XDECREF(key);
    Py_XDECREF(found);
    Py_XDECREF(opened);
    Py_XDECREF(ends);
    Py_XDECREF(end);
    Py_XDECREF(pieces);
    return body;
}

/* `describe(repo, arch, path)` when `clean` changes nothing, else the call. */
static PyObject *
described(PyObject *repo, PyObject *arch, PyObject *path)
{
    PyObject *texts[] = {repo, arch};
    int plain = PyUnicode_CheckExact(path) && PyUnicode_GET_LENGTH(path) == 0;
    for (int n = 0; plain && n < 2; n++) {
        plain = printable_ascii(texts[n]) && PyUnicode_GET_LENGTH(texts[n]) <= 200 &&
                memmem(PyUnicode_1BYTE_DATA(texts[n]), PyUnicode_GET_LENGTH(texts[n]), "--", 2) == NULL;
    }
    if (plain) {
        return PyUnicode_FromFormat("# repo = %U arch = %U", repo, arch);
    }
    PyObject *args[] = {repo, arch, path};
    return PyObject_Vectorcall(f_describe, args, 3, NULL);
}

/* `mirrorlist_text.render(records, suffix, what=what, notes=notes)`. */
static PyObject *
mirrorlist(PyObject *records, PyObject *suffix, PyObject *what, PyObject *notes)
{
    PyObject *parts = PySequence_List(notes), *head = NULL, *encoded = NULL, *end = NULL;
    PyObject *body = NULL;
    if (parts == NULL || PyList_Insert(parts, 0, what) < 0 ||
        (head = PyUnicode_Join(s_space, parts)) == NULL) {
        goto done;
    }
    Py_SETREF(head, PyUnicode_Concat(head, s_newline));
    if (head == NULL || (encoded = PyUnicode_AsUTF8String(head)) == NULL) {
        goto done;
    }
    Py_XSETREF(end, PyUnicode_Concat(suffix, s_newline));
    Py_XSETREF(end, end ? PyUnicode_AsUTF8String(end) : NULL);
    if (end != NULL) {
        PyObject *args[] = {encoded, records, end};
        body = PyObject_Vectorcall(f_mirrorlist_body, args, 3, NULL);
    }
done:
    Py_XDECREF(parts);
    Py_XDECREF(head);
    Py_XDECREF(encoded);
    Py_XDECREF(end);
    return body;
}

/* `format_line(...)`'s fast form made here when it holds (the stamp of this second
 * kept, every field printable ASCII, at most 200 characters), else the call. */
static PyObject *
log_line(PyObject **fields, PyObject *now, PyObject *second)
{
    PyObject *stamped = PyObject_GetAttr(m_accesslog, s__stamped), *line = NULL;
    int fast = stamped ? current(stamped, second) : -1;
    if (fast < 0) {
        goto done;
    }
    PyObject *stamp = fast ? PyTuple_GET_ITEM(stamped, 1) : NULL;
    fast = fast && printable_ascii(stamp);
    Py_ssize_t shown = 0;
    for (int n = 0; fast && n < 5; n++) {
        fast = printable_ascii(fields[n]);
        shown += fast ? PyUnicode_GET_LENGTH(fields[n]) : 0;
    }
    if (!fast || shown > 200) {
        PyObject *args[] = {fields[0], now, fields[1], fields[2], fields[3], fields[4]};
        line = PyObject_Vectorcall(f_format_line, args, 6, NULL);
        goto done;
    }
    PyObject *order[] = {fields[0], stamp, fields[1], fields[2], fields[3], fields[4]};
    Py_ssize_t size = shown + PyUnicode_GET_LENGTH(stamp) + 6;
    if ((line = PyUnicode_New(size, 127)) != NULL) {
        Py_UCS1 *out = PyUnicode_1BYTE_DATA(line);
        for (int n = 0; n < 6; n++) {
            Py_ssize_t length = PyUnicode_GET_LENGTH(order[n]);
            memcpy(out, PyUnicode_1BYTE_DATA(order[n]), length);
            out += length;
            *out++ = n < 5 ? '\t' : '\n';
        }
    }
done:
    Py_XDECREF(stamped);
    return line;
}

static PyObject *
answer(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "answer() takes exactly 2 arguments");
        return NULL;
    }
    if (!ready && setup() < 0) {
        return NULL;
    }
    double started = monotonic();
    PyObject *app = args[0], *scope = args[1], *result = NULL;
    /* every reference held, released once at the end */
    PyObject *raw = NULL, *parsed = NULL, *holder = NULL, *loaded = NULL, *pools = NULL,
             *address_text = NULL, *index = NULL, *targets = NULL, *plain = NULL, *key = NULL,
             *target = NULL, *file_hosts = NULL, *handler = NULL, *geoip = NULL, *cache = NULL,
             *number_obj = NULL, *located = NULL, *overrides = NULL, *address = NULL,
             *country = NULL, *options = NULL, *parsed_options = NULL, *size = NULL,
             *embargoed = NULL, *flag = NULL, *cells = NULL, *cell = NULL, *directory = NULL,
             *hosts = NULL, *ordered = NULL, *pool = NULL, *pool_hosts = NULL, *view = NULL,
             *entries = NULL, *count = NULL, *rng = NULL, *drawn = NULL, *client = NULL,
             *chosen = NULL, *composed = NULL, *picked = NULL, *records = NULL, *notes = NULL,
             *family_note = NULL, *now = NULL, *second = NULL, *body = NULL, *repo_t = NULL,
             *arch_t = NULL, *log = NULL, *buffer = NULL, *limit = NULL, *line = NULL,
             *metrics = NULL, *requests = NULL, *counts = NULL, *total = NULL, *bucket_obj = NULL;
    if (!PyDict_CheckExact(scope)) {
        Py_RETURN_NONE;
    }
    PyObject *path = PyDict_GetItemWithError(scope, s_path);
    PyObject *method = path ? PyDict_GetItemWithError(scope, s_method) : NULL;
    if (PyErr_Occurred()) {
        return NULL;
    }
    int is_head = method != NULL && PyUnicode_CheckExact(method) &&
                  PyUnicode_CompareWithASCIIString(method, "HEAD") == 0;
    if (path == NULL || !PyUnicode_CheckExact(path) ||
        (!is_head && !(method != NULL && PyUnicode_CheckExact(method) &&
                       PyUnicode_CompareWithASCIIString(method, "GET") == 0))) {
        Py_RETURN_NONE;
    }
    int is_metalink;
    static const char metalink_end[] = "/metalink", mirrorlist_end[] = "/mirrorlist";
    Py_ssize_t length = PyUnicode_GET_LENGTH(path);
    const char *tail = PyUnicode_IS_ASCII(path) ? (const char *)PyUnicode_1BYTE_DATA(path) : "";
    length = PyUnicode_IS_ASCII(path) ? length : 0;
    if (length >= 9 && memcmp(tail + length - 9, metalink_end, 9) == 0) {
        is_metalink = 1;
    }
    else if (length >= 11 && memcmp(tail + length - 11, mirrorlist_end, 11) == 0) {
        is_metalink = 0;
    }
    else { /* a non-ASCII path may end so too: the general path answers it the same */
        Py_RETURN_NONE;
    }
    PyObject *endpoint = is_metalink ? s_metalink : s_mirrorlist;
    raw = Py_XNewRef(PyDict_GetItemWithError(scope, s_query_string));
    if (raw == NULL || !PyBytes_CheckExact(raw) || PyBytes_GET_SIZE(raw) > max_query) {
        goto decline; /* absent: b"", no repo */
    }
    if ((parsed = PyObject_Vectorcall(f_parse_plain, &raw, 1, NULL)) == NULL) {
        goto done;
    }
    if (!PyTuple_CheckExact(parsed) || PyTuple_GET_SIZE(parsed) != 2 ||
        !PyDict_CheckExact(PyTuple_GET_ITEM(parsed, 0))) {
        goto decline;
    }
    int clean = PyObject_IsTrue(PyTuple_GET_ITEM(parsed, 1));
    if (clean <= 0) {
        goto fail_or_decline;
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
            goto decline;
        }
        *slot = value; /* borrowed from `parsed`, held */
    }
    if (repo == NULL || arch == NULL || PyUnicode_GET_LENGTH(repo) == 0 ||
        PyUnicode_GET_LENGTH(arch) == 0) {
        goto decline;
    }
    if ((holder = PyObject_GetAttr(app, s_holder)) == NULL ||
        (loaded = PyObject_GetAttr(holder, s_current)) == NULL) {
        goto done;
    }
    if (loaded == Py_None || (pools = PyObject_GetAttr(loaded, s_pools)) == NULL) {
        goto fail_or_decline;
    }
    if (pools == Py_None) {
        goto decline;
    }
    int known = client_text(app, scope, ip, &address_text);
    if (known <= 0 || PyUnicode_GET_LENGTH(address_text) == 0) {
        goto fail_or_decline;
    }
    int64_t number = ipv4_number(address_text);
    if (number < 0) {
        goto decline;
    }
    if ((index = PyObject_GetAttr(loaded, s_index)) == NULL ||
        (targets = PyObject_GetAttr(index, s_targets)) == NULL ||
        (plain = PyObject_GetAttr(targets, s_plain)) == NULL ||
        (key = PyTuple_Pack(3, repo, arch, is_metalink ? Py_True : Py_False)) == NULL) {
        goto done;
    }
    if ((target = get(plain, key)) == NULL ||
        (file_hosts = PyObject_GetAttr(target, s_file_hosts)) == NULL || file_hosts != Py_None) {
        goto fail_or_decline;
    }
    if ((handler = PyObject_GetAttr(app, s_handler)) == NULL ||
        (geoip = PyObject_GetAttr(handler, s_geoip)) == NULL) {
        goto done;
    }
    if ((cache = PyObject_GetAttr(geoip, s__cache)) == NULL) {
        if (!PyErr_ExceptionMatches(PyExc_AttributeError)) {
            goto done;
        }
        PyErr_Clear();
        goto decline;
    }
    if (cache == Py_None || (number_obj = PyLong_FromLongLong(number >> 8)) == NULL) {
        goto fail_or_decline;
    }
    if ((located = get(cache, number_obj)) == NULL) {
        Py_SETREF(number_obj, PyErr_Occurred() ? NULL : PyLong_FromLongLong(number >> 16 | 1 << 24));
        if (number_obj == NULL || (located = get(cache, number_obj)) == NULL) {
            goto fail_or_decline;
        }
    }
    if (!PyTuple_Check(located) || PyTuple_GET_SIZE(located) != 2) {
        PyErr_SetString(PyExc_ValueError, "express: a GeoIP answer is not a pair");
        goto done;
    }
    PyObject *geo_country = PyTuple_GET_ITEM(located, 0); /* held by `located` */
    if (PyTuple_GET_ITEM(located, 1) != Py_None) {
        goto decline;
    }
    country = Py_NewRef(geo_country);
    if ((overrides = PyObject_GetAttr(index, s_country_overrides)) == NULL) {
        goto done;
    }
    Py_ssize_t overridden = PyObject_Length(overrides);
    if (overridden < 0) {
        goto done;
    }
    if (overridden > 0) {
        Py_SETREF(number_obj, PyLong_FromLongLong(number));
        if (number_obj == NULL || (address = made(t_ipv4, &s__ip, &number_obj, 1)) == NULL) {
            goto done;
        }
        PyObject *lookup[] = {overrides, address};
        PyObject *found = PyObject_Vectorcall(f_longest, lookup, 2, NULL);
        int truthy = found ? PyObject_IsTrue(found) : -1;
        if (truthy < 0) {
            Py_XDECREF(found);
            goto done;
        }
        Py_SETREF(country, truthy ? found : Py_NewRef(geo_country));
        if (!truthy) {
            Py_DECREF(found);
        }
    }
    if (!PyUnicode_CheckExact(country) || !PyUnicode_IS_ASCII(country)) {
        goto decline; /* GeoIP codes are ASCII; anything else the general path judges */
    }
    for (Py_ssize_t i = 0; i < PyUnicode_GET_LENGTH(country); i++) {
        Py_UCS1 ch = PyUnicode_1BYTE_DATA(country)[i];
        if (ch >= 'a' && ch <= 'z') {
            goto decline; /* country != country.upper() */
        }
    }
    if (wanted_country != NULL) {
        Py_SETREF(key, PyTuple_Pack(4, is_metalink ? Py_True : Py_False, wanted_country,
                                    Py_None, Py_None));
        if (key == NULL || (parsed_options = PyObject_GetAttr(handler, s__parsed)) == NULL) {
            goto done;
        }
        if ((options = get(parsed_options, key)) == NULL) {
            goto fail_or_decline;
        }
    }
    else {
        options = Py_NewRef(is_metalink ? o_metalink_default : o_mirrorlist_default);
    }
    if ((size = PyObject_GetAttr(pools, s_size)) == NULL) {
        goto done;
    }
    int answer_no = PyObject_RichCompareBool(size, i_zero, Py_LE);
    if (answer_no == 0 && PyUnicode_GET_LENGTH(country) > 0) {
        embargoed = PyObject_GetAttr(index, s_embargoed);
        answer_no = embargoed ? PySequence_Contains(embargoed, country) : -1;
    }
    if (answer_no == 0) {
        flag = PyObject_GetAttr(index, s_strict_family);
        answer_no = flag ? PyObject_IsTrue(flag) : -1;
    }
    if (answer_no == 0) {
        Py_XSETREF(flag, PyObject_GetAttr(options, s_use_netblocks));
        answer_no = flag ? !PyObject_IsTrue(flag) : -1; /* IsTrue's -1 gives 0: checked next */
        if (answer_no == 0 && PyErr_Occurred()) {
            answer_no = -1;
        }
    }
    if (answer_no != 0) {
        goto fail_or_decline;
    }
    Py_XSETREF(flag, PyObject_GetAttr(index, s_distance_order));
    int distance = flag ? PyObject_IsTrue(flag) : -1;
    if (distance < 0) {
        goto done;
    }
    if (distance) {
        if ((cells = PyObject_GetAttr(index, s__country_cells)) == NULL) {
            goto done;
        }
        int has = PySequence_Contains(cells, country);
        if (has <= 0) {
            goto fail_or_decline;
        }
        if ((cell = PyObject_GetItem(cells, country)) == NULL) {
            goto done;
        }
    }
    else {
        cell = Py_NewRef(Py_None);
    }
    if ((directory = PyObject_GetAttr(target, s_directory)) == NULL ||
        (hosts = PyObject_GetAttr(directory, s_hosts)) == NULL) {
        goto done;
    }
    Py_SETREF(key, Py_BuildValue("(NOOOO)", PyLong_FromVoidPtr(hosts), country, cell, i_four,
                                 options));
    if (key == NULL || (ordered = PyObject_GetAttr(pools, s__pools)) == NULL) {
        goto done;
    }
    if ((pool = get(ordered, key)) == NULL || (pool_hosts = PyObject_GetAttr(pool, s_hosts)) == NULL) {
        goto fail_or_decline;
    }
    if (pool_hosts != hosts) {
        goto decline;
    }
    Py_XSETREF(flag, PyObject_GetAttr(pool, s_pooled));
    int pooled = flag ? PyObject_IsTrue(flag) : -1;
    if (pooled <= 0 || (view = PyObject_GetAttr(pool, s_view)) == NULL || view == Py_None ||
        (entries = PyObject_GetAttr(pool, s_entries)) == NULL) {
        goto fail_or_decline;
    }
    Py_ssize_t entry_count = PyObject_Length(entries);
    if (entry_count < 0 || (count = PyLong_FromSsize_t(entry_count)) == NULL) {
        goto done;
    }
    int short_pool = PyObject_RichCompareBool(count, size, Py_LT);
    if (short_pool != 0) {
        goto fail_or_decline;
    }
    /* no return None from here on: the random draws and counters are the general path's */
    PyObject *moved = PyObject_CallMethodOneArg(ordered, s_move_to_end, key);
    if (moved == NULL) {
        goto done;
    }
    Py_DECREF(moved);
    if ((rng = PyObject_GetAttr(handler, s_rng)) == NULL ||
        (drawn = PyObject_CallMethodNoArgs(rng, s_random)) == NULL) {
        goto done;
    }
    if (PyFloat_CheckExact(drawn)) { /* int(rng.random() * len(entries)) */
        Py_SETREF(drawn, PyLong_FromDouble(PyFloat_AS_DOUBLE(drawn) * (double)entry_count));
    }
    else {
        Py_SETREF(drawn, PyNumber_Multiply(drawn, count));
        Py_XSETREF(drawn, drawn ? PyNumber_Long(drawn) : NULL);
    }
    Py_XSETREF(drawn, drawn ? PyObject_GetItem(entries, drawn) : NULL);
    if (drawn == NULL || increment(pools, s_hits) < 0 || increment(pool, s_served) < 0) {
        goto done;
    }
    if (address == NULL) {
        Py_SETREF(number_obj, PyLong_FromLongLong(number));
        if (number_obj == NULL || (address = made(t_ipv4, &s__ip, &number_obj, 1)) == NULL) {
            goto done;
        }
    }
    PyObject *client_args[] = {address, country, Py_None};
    if (client_fast) {
        PyObject *client_names[] = {s_address, s_country, s_position};
        client = made(t_client, client_names, client_args, 3);
    }
    else {
        client = PyObject_Vectorcall((PyObject *)t_client, client_args, 3, NULL);
    }
    Py_XSETREF(flag, client ? PyObject_GetAttr(options, s_countries) : NULL);
    int countries = flag ? PyObject_IsTrue(flag) : -1;
    if (countries < 0 || (chosen = PySet_New(NULL)) == NULL) {
        goto done;
    }
    PyObject *compose_args[] = {index, pool, drawn, view, client, countries ? Py_True : Py_False,
                                chosen, rng};
    if ((composed = PyObject_Vectorcall(f_compose, compose_args, 8, NULL)) == NULL) {
        goto done;
    }
    if (composed != Py_None) {
        records = PySequence_GetItem(composed, 0);
        notes = records ? PySequence_GetItem(composed, 2) : NULL;
        family_note = notes ? PyObject_GetAttr(drawn, s_family_note) : NULL;
    }
    else { /* the requested countries' hosts all came first: drawn afresh, as the pools do */
        PyObject *pick_args[] = {index, hosts, client, options, rng};
        picked = PyObject_Vectorcall(f_pick, pick_args, 5, NULL);
        records = picked ? PyObject_GetAttr(picked, s_records) : NULL;
        notes = records ? PyObject_GetAttr(picked, s_notes) : NULL;
        family_note = notes ? PyObject_GetAttr(picked, s_family_note) : NULL;
    }
    if (family_note == NULL || (now = PyObject_CallMethodNoArgs(app, s_clock)) == NULL) {
        goto done;
    }
    second = second_of(now);
    PyObject *content_type;
    if (is_metalink) {
        PyObject *file_name = PyObject_GetAttr(target, s_file_name);
        PyObject *files = file_name ? PyObject_GetAttr(target, s_files) : NULL;
        PyObject *suffix = files ? PyObject_GetAttr(target, s_suffix) : NULL;
        int commented = suffix ? PyObject_IsTrue(family_note) : -1;
        if (commented >= 0) {
            body = metalink_cached(file_name, files, records, suffix, second, commented);
        }
        if (body == NULL && !PyErr_Occurred() && commented >= 0) {
            PyObject *render_args[] = {file_name, files, records, suffix, now, family_note};
            body = PyObject_Vectorcall(f_render, render_args, 4, t_render_kw);
        }
        Py_XDECREF(file_name);
        Py_XDECREF(files);
        Py_XDECREF(suffix);
        content_type = c_metalink_type;
    }
    else {
        PyObject *repo_a = PyObject_GetAttr(target, s_repo);
        PyObject *arch_a = repo_a ? PyObject_GetAttr(target, s_arch) : NULL;
        PyObject *path_a = arch_a ? PyObject_GetAttr(target, s_path) : NULL;
        PyObject *what = path_a ? described(repo_a, arch_a, path_a) : NULL;
        PyObject *suffix = what ? PyObject_GetAttr(target, s_suffix) : NULL;
        body = suffix ? mirrorlist(records, suffix, what, notes) : NULL;
        Py_XDECREF(repo_a);
        Py_XDECREF(arch_a);
        Py_XDECREF(path_a);
        Py_XDECREF(what);
        Py_XDECREF(suffix);
        content_type = c_text_type;
    }
    if (body == NULL || (log = PyObject_GetAttr(app, s_access_log)) == NULL ||
        (repo_t = PyObject_GetAttr(target, s_repo)) == NULL) {
        goto done;
    }
    int logged = PyObject_IsTrue(repo_t);
    if (logged > 0) {
        Py_XSETREF(flag, PyObject_GetAttr(log, s_path));
        logged = flag == NULL ? -1 : flag != Py_None;
    }
    if (logged < 0) {
        goto done;
    }
    if (logged) {
        if ((buffer = PyObject_GetAttr(log, s__buffer)) == NULL ||
            (limit = PyObject_GetAttr(m_accesslog, s__MAX_BUFFERED)) == NULL) {
            goto done;
        }
        Py_ssize_t buffered = PyObject_Length(buffer);
        Py_XSETREF(total, buffered >= 0 ? PyLong_FromSsize_t(buffered) : NULL);
        int full = total ? PyObject_RichCompareBool(total, limit, Py_GE) : -1;
        if (full < 0) {
            goto done;
        }
        if (full) {
            if (increment(log, s_dropped) < 0) {
                goto done;
            }
        }
        else {
            if ((arch_t = PyObject_GetAttr(target, s_arch)) == NULL) {
                goto done;
            }
            PyObject *fields[] = {address_text, country, repo_t, arch_t, endpoint};
            if ((line = log_line(fields, now, second)) == NULL) {
                goto done;
            }
            int appended = PyList_CheckExact(buffer) ? PyList_Append(buffer, line) : -2;
            if (appended == -2) {
                PyObject *back = PyObject_CallMethod(buffer, "append", "O", line);
                appended = back ? 0 : -1;
                Py_XDECREF(back);
            }
            if (appended < 0) {
                goto done;
            }
        }
    }
    if ((metrics = PyObject_GetAttr(app, s_metrics)) == NULL) {
        goto done;
    }
    double seconds = monotonic() - started;
    Py_ssize_t bucket = 0;
    while (bucket < n_buckets && buckets[bucket] < seconds) {
        bucket++;
    }
    if ((requests = PyObject_GetAttr(metrics, s_requests)) == NULL ||
        increment_item(requests, is_metalink ? k_metalink_ok : k_mirrorlist_ok) < 0 ||
        (counts = PyObject_GetAttr(metrics, s_latency_counts)) == NULL ||
        (bucket_obj = PyLong_FromSsize_t(bucket)) == NULL ||
        increment_item(counts, bucket_obj) < 0) {
        goto done;
    }
    Py_XSETREF(total, PyObject_GetAttr(metrics, s_latency_sum));
    if (total == NULL) {
        goto done;
    }
    Py_SETREF(flag, PyFloat_FromDouble(seconds));
    Py_SETREF(total, flag ? PyNumber_InPlaceAdd(total, flag) : NULL);
    if (total == NULL || PyObject_SetAttr(metrics, s_latency_sum, total) < 0) {
        goto done;
    }
    Py_ssize_t body_size = PyObject_Length(body);
    if (body_size < 0) {
        goto done;
    }
    result = Py_BuildValue(
        "({O:O,O:i,O:[(OO)(ON)]}{O:O,O:O})", s_type, s_start_type, s_status, 200, s_headers,
        b_content_type, content_type, b_content_length, PyBytes_FromFormat("%zd", body_size),
        s_type, s_body_type, s_body, is_head ? b_empty : body);
    goto done;
fail_or_decline:
    if (PyErr_Occurred()) {
        goto done;
    }
decline:
    result = Py_NewRef(Py_None);
done:
    Py_XDECREF(raw);
    Py_XDECREF(parsed);
    Py_XDECREF(holder);
    Py_XDECREF(loaded);
    Py_XDECREF(pools);
    Py_XDECREF(address_text);
    Py_XDECREF(index);
    Py_XDECREF(targets);
    Py_XDECREF(plain);
    Py_XDECREF(key);
    Py_XDECREF(target);
    Py_XDECREF(file_hosts);
    Py_XDECREF(handler);
    Py_XDECREF(geoip);
    Py_XDECREF(cache);
    Py_XDECREF(number_obj);
    Py_XDECREF(located);
    Py_XDECREF(overrides);
    Py_XDECREF(address);
    Py_XDECREF(country);
    Py_XDECREF(options);
    Py_XDECREF(parsed_options);
    Py_XDECREF(size);
    Py_XDECREF(embargoed);
    Py_XDECREF(flag);
    Py_XDECREF(cells);
    Py_XDECREF(cell);
    Py_XDECREF(directory);
    Py_XDECREF(hosts);
    Py_XDECREF(ordered);
    Py_XDECREF(pool);
    Py_XDECREF(pool_hosts);
    Py_XDECREF(view);
    Py_XDECREF(entries);
    Py_XDECREF(count);
    Py_XDECREF(rng);
    Py_XDECREF(drawn);
    Py_XDECREF(client);
    Py_XDECREF(chosen);
    Py_XDECREF(composed);
    Py_XDECREF(picked);
    Py_XDECREF(records);
    Py_XDECREF(notes);
    Py_XDECREF(family_note);
    Py_XDECREF(now);
    Py_XDECREF(second);
    Py_XDECREF(body);
    Py_XDECREF(repo_t);
    Py_XDECREF(arch_t);
    Py_XDECREF(log);
    Py_XDECREF(buffer);
    Py_XDECREF(limit);
    Py_XDECREF(line);
    Py_XDECREF(metrics);
    Py_XDECREF(requests);
    Py_XDECREF(counts);
    Py_XDECREF(total);
    Py_XDECREF(bucket_obj);
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

static int
intern_names(void)
{
    struct {
        PyObject **name;
        const char *text;
    } names[] = {
        {&s_path, "path"}, {&s_method, "method"}, {&s_query_string, "query_string"},
        {&s_client, "client"}, {&s_headers, "headers"}, {&s_repo, "repo"}, {&s_arch, "arch"},
        {&s_ip, "ip"}, {&s_country, "country"}, {&s_holder, "holder"},
        {&s_current, "current"}, {&s_pools, "pools"}, {&s_index, "index"},
        {&s_trusted, "trusted"}, {&s__trusted_peers, "_trusted_peers"}, {&s_get, "get"},
        {&s_targets, "targets"}, {&s_plain, "plain"}, {&s_file_hosts, "file_hosts"},
        {&s_handler, "handler"}, {&s_geoip, "geoip"}, {&s__cache, "_cache"},
        {&s_country_overrides, "country_overrides"}, {&s__parsed, "_parsed"},
        {&s_size, "size"}, {&s_embargoed, "embargoed"}, {&s_strict_family, "strict_family"},
        {&s_use_netblocks, "use_netblocks"}, {&s_distance_order, "distance_order"},
        {&s__country_cells, "_country_cells"}, {&s_directory, "directory"},
        {&s_hosts, "hosts"}, {&s__pools, "_pools"}, {&s_pooled, "pooled"}, {&s_view, "view"},
        {&s_entries, "entries"}, {&s_move_to_end, "move_to_end"}, {&s_rng, "rng"},
        {&s_random, "random"}, {&s_hits, "hits"}, {&s_served, "served"},
        {&s_countries, "countries"}, {&s_family_note, "family_note"},
        {&s_records, "records"}, {&s_notes, "notes"}, {&s_clock, "clock"},
        {&s_file_name, "file_name"}, {&s_files, "files"}, {&s_suffix, "suffix"},
        {&s__heads, "_heads"}, {&s__opened, "_opened"}, {&s__ends, "_ends"},
        {&s_access_log, "access_log"}, {&s__buffer, "_buffer"}, {&s_dropped, "dropped"},
        {&s__MAX_BUFFERED, "_MAX_BUFFERED"}, {&s__stamped, "_stamped"},
        {&s_metrics, "metrics"}, {&s_requests, "requests"},
        {&s_latency_counts, "latency_counts"}, {&s_latency_sum, "latency_sum"},
        {&s_address, "address"}, {&s_position, "position"}, {&s__ip, "_ip"},
        {&s_now, "now"}, {&s_comment, "comment"}, {&s_metalink, "metalink"},
        {&s_mirrorlist, "mirrorlist"}, {&s_ok, "ok"}, {&s_empty, ""}, {&s_space, " "},
        {&s_newline, "\n"}, {&s_type, "type"}, {&s_status, "status"}, {&s_body, "body"},
        {&s_start_type, "http.response.start"}, {&s_body_type, "http.response.body"},
    };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        if (*names[n].name == NULL) {
            *names[n].name = PyUnicode_InternFromString(names[n].text);
            if (*names[n].name == NULL) {
                return -1;
            }
        }
    }
    if (b_empty == NULL) {
        b_empty = PyBytes_FromStringAndSize("", 0);
        b_content_type = PyBytes_FromString("content-type");
        b_content_length = PyBytes_FromString("content-length");
        k_metalink_ok = PyTuple_Pack(2, s_metalink, s_ok);
        k_mirrorlist_ok = PyTuple_Pack(2, s_mirrorlist, s_ok);
        i_zero = PyLong_FromLong(0);
        i_one = PyLong_FromLong(1);
        i_four = PyLong_FromLong(4);
        t_empty = PyTuple_New(0);
        t_render_kw = PyTuple_Pack(2, s_now, s_comment);
    }
    return t_render_kw != NULL && !PyErr_Occurred() ? 0 : -1;
}

PyMODINIT_FUNC
PyInit__express(void)
{
    if (intern_names() < 0) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
