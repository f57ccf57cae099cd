/* The common query string parsed in C (mirrorlist/app.py has the same in Python:
 * `parse_plain_py`, held by the tests to `parse_query`, the reference).
 *
 * Why C: dnf's queries hold no `%` and no `+`, so parsing is a split on `&` and `=`;
 * in Python that is a latin-1 decode, a split, a loop of partitions, and then (in the
 * handler) a join of every name and value to scan for control characters: ~9 % of a
 * request. Here the bytes are read once: each kept field is scanned for control
 * characters as it is cut, and its name and value are made straight from the buffer.
 * Queries that need decoding (`%`, `+`) are left to the Python path: None.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <string.h>

PyDoc_STRVAR(parse_doc,
"parse(raw: bytes) -> tuple[dict[str, str], bool] | None\n\n"
"`parse_query(raw)` (first value of each name, fields without '=' give '', empty\n"
"fields skipped, latin-1) and whether no kept name or value holds a control character\n"
"(0x00-0x1f, 0x7f); None when `raw` holds '%' or '+' (to be decoded in Python).");

/* A control character as `handlers.control_character` reports it: [\x00-\x1f\x7f]. */
static inline int
has_control(const unsigned char *p, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            return 1;
        }
    }
    return 0;
}

static PyObject *
parse(PyObject *module, PyObject *arg)
{
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "parse() takes bytes, not %.100s",
                     Py_TYPE(arg)->tp_name);
        return NULL;
    }
    const unsigned char *raw = (const unsigned char *)PyBytes_AS_STRING(arg);
    Py_ssize_t size = PyBytes_GET_SIZE(arg);
    if (memchr(raw, '%', size) != NULL || memchr(raw, '+', size) != NULL) {
        Py_RETURN_NONE;
    }
    PyObject *params = PyDict_New();
    if (params == NULL) {
        return NULL;
    }
    int clean = 1;
    const unsigned char *end = raw + size;
    const unsigned char *field = raw;
    while (field < end) {
        const unsigned char *stop = memchr(field, '&', end - field);
        if (stop == NULL) {
            stop = end;
        }
        if (stop > field) { /* an empty field is skipped */
            const unsigned char *eq = memchr(field, '=', stop - field);
            const unsigned char *name_end = eq != NULL ? eq : stop;
            PyObject *name = PyUnicode_DecodeLatin1((const char *)field, name_end - field, NULL);
            if (name == NULL) {
                goto error;
            }
            int known = PyDict_Contains(params, name);
            if (known == 0) { /* the first value of a name wins */
                const unsigned char *value_start = eq != NULL ? eq + 1 : stop;
                PyObject *value = PyUnicode_DecodeLatin1(
                    (const char *)value_start, stop - value_start, NULL);
                known = value != NULL ? PyDict_SetItem(params, name, value) : -1;
                Py_XDECREF(value);
                /* only kept fields count: a skipped repeat is not in the answer's params */
                if (clean && has_control(field, stop - field)) {
                    clean = 0;
                }
            }
            Py_DECREF(name);
            if (known < 0) {
                goto error;
            }
        }
        if (stop == end) {
            break;
        }
        field = stop + 1;
    }
    PyObject *result = PyTuple_New(2);
    if (result == NULL) {
        goto error;
    }
    PyTuple_SET_ITEM(result, 0, params);
    PyTuple_SET_ITEM(result, 1, Py_NewRef(clean ? Py_True : Py_False));
    return result;
error:
    Py_DECREF(params);
    return NULL;
}

static PyMethodDef methods[] = {
    {"parse", (PyCFunction)parse, METH_O, parse_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_query",
    "The common query string parsed in C (see mirrorlist/app.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__query(void)
{
    return PyModule_Create(&module_def);
}
