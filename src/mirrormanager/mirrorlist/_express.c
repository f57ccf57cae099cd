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
#define DECLARE(name) static PyObject *s_##name;
NAMES(DECLARE)
static PyObject *s_metalink_end, *s_mirrorlist_end, *s_empty, *s_space, *s_newline, *s_start_type, *s_body_type, *b_content_type,
    *b_content_length, *b_empty, *k_metalink_ok, *k_mirrorlist_ok, *i_zero, *i_one, *i_four,
    *t_empty, *t_render_kw;

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
    if (!ready && setup() < 0) {
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
    if (raw == NULL || !PyBytes_CheckExact(raw) || PyBytes_GET_SIZE(raw) > max_query) {
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
    if (client_text(app, scope, ip, &address_text) <= 0 || H(address_text) == NULL ||
        PyUnicode_GET_LENGTH(address_text) == 0) {
        goto stop;
    }
    int64_t number = ipv4_number(address_text);
    if (number < 0) {
        goto stop;
    }
    PyObject *index = H(PyObject_GetAttr(loaded, s_index));
    PyObject *targets = index ? H(PyObject_GetAttr(index, s_targets)) : NULL;
    PyObject *plain = targets ? H(PyObject_GetAttr(targets, s_plain)) : NULL;
    PyObject *key = plain ? H(PyTuple_Pack(3, repo, arch, is_metalink_obj)) : NULL;
    PyObject *target = key ? H(get(plain, key)) : NULL;
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
    if (number_obj == NULL || ((located = H(get(cache, number_obj))) == NULL &&
                               (PyErr_Occurred() ||
                                (number_obj = H(PyLong_FromLongLong(number >> 16 | 1 << 24))) == NULL ||
                                (located = H(get(cache, number_obj))) == NULL))) {
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
        options = parsed_options ? H(get(parsed_options, key)) : NULL;
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
    PyObject *pool = ordered ? H(get(ordered, key)) : NULL;
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
    PyObject *client = H(client_fast ? made(t_client, client_names, client_args, 3)
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
            body = H(metalink_cached(file_name, files, records, suffix, second, commented));
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
        PyObject *what = path_a ? H(described(repo_a, arch_a, path_a)) : NULL;
        PyObject *suffix = what ? H(PyObject_GetAttr(target, s_suffix)) : NULL;
        body = suffix ? H(mirrorlist(records, suffix, what, notes)) : NULL;
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
            PyObject *line = arch_t ? H(log_line(fields, now, second)) : NULL;
            if (line == NULL || H(PyObject_CallMethodOneArg(buffer, s_append, line)) == NULL) {
                goto stop;
            }
        }
    }
    double seconds = monotonic() - started;
    Py_ssize_t bucket = 0;
    while (bucket < n_buckets && buckets[bucket] < seconds) {
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

static int
intern_names(void)
{
#define ENTRY(name) {&s_##name, #name},
    struct {
        PyObject **name;
        const char *text;
    } names[] = {
        NAMES(ENTRY) {&s_metalink_end, "/metalink"}, {&s_mirrorlist_end, "/mirrorlist"},
        {&s_empty, ""}, {&s_space, " "}, {&s_newline, "\n"},
        {&s_start_type, "http.response.start"}, {&s_body_type, "http.response.body"},
    };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        if (*names[n].name == NULL &&
            (*names[n].name = PyUnicode_InternFromString(names[n].text)) == NULL) {
            return -1;
        }
    }
    if (t_render_kw == NULL) {
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
