/* The express lane's state (mirrorlist/_express.c has the lane): the names it reads and
 * its constants, made at module init; the Python callables and values it uses, imported
 * at its first call; and `express_get`, the look-up every part of it uses.
 */
#include "_express.h"

#define DEFINE(name) PyObject *s_##name;
NAMES(DEFINE)
PyObject *s_metalink_end, *s_mirrorlist_end, *s_empty, *s_space, *s_newline, *s_start_type,
    *s_body_type, *b_content_type, *b_content_length, *b_empty, *k_metalink_ok,
    *k_mirrorlist_ok, *i_zero, *i_one, *i_four, *t_empty, *t_render_kw;

int express_ready;
PyObject *f_parse_plain, *f_compose, *f_pick, *f_longest, *f_render, *f_metalink_body,
    *f_mirrorlist_body, *f_describe, *f_format_line, *m_metalink, *m_accesslog,
    *o_metalink_default, *o_mirrorlist_default, *c_preferences, *c_last_preference, *c_tail,
    *c_metalink_type, *c_text_type;
PyTypeObject *t_ipv4, *t_client;
int express_client_fast;
double express_buckets[64];
Py_ssize_t express_n_buckets, express_max_query;

static PyObject *
imported(const char *module, const char *name)
{
    PyObject *found = PyImport_ImportModule(module);
    if (found != NULL && name != NULL) {
        Py_SETREF(found, PyObject_GetAttrString(found, name));
    }
    return found;
}

int
express_setup(void)
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
        express_max_query = PyLong_AsSsize_t(max);
        express_n_buckets = PyTuple_GET_SIZE(bucket_list);
        for (Py_ssize_t n = 0; n < express_n_buckets; n++) {
            express_buckets[n] = PyFloat_AsDouble(PyTuple_GET_ITEM(bucket_list, n));
        }
        /* made without their Python __init__ only when that gives an equal object */
        PyObject *fields = Py_BuildValue("(sss)", "address", "country", "position");
        express_client_fast = fields != NULL && t_client->tp_new == PyBaseObject_Type.tp_new &&
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
    express_ready = ok;
    return ok ? 0 : -1;
}

int
express_intern_names(void)
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

/* map.get(key): a new reference, or NULL for None (absent, or None stored: the lane
 * treats both alike) with no error set. Dicts and OrderedDicts (whose get is dict's)
 * are read directly; another mapping through its get method. */
PyObject *
express_get(PyObject *map, PyObject *key)
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
