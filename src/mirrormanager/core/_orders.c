/* The answer pools' gather and composition in C (core/pool.py has both in Python:
 * `gather_py`, `compose_py`, the reference the tests hold these to), and the prefix
 * look-ups. This file is the module (its functions, its init) and `gather`; the
 * composition is in core/_orders_compose.c, the prefix look-ups in
 * core/_orders_prefixes.c, what they share in core/_orders.h.
 *
 * Why C: a pooled answer is a stored order (an array of 4-byte indices) turned back into
 * records. `itemgetter(*order)` reads the array through Python ints (one made and freed
 * per host) and makes a tuple to copy into a list; here the indices are read from the
 * array's buffer and the list is filled directly.
 */
#include "_orders.h"

PyDoc_STRVAR(gather_doc,
"gather(items, order, end) -> list\n\n"
"[items[i] for i in order[:end]]: items a tuple, order an array('I').");

static PyObject *
gather(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "gather() takes exactly 3 arguments");
        return NULL;
    }
    PyObject *items = args[0];
    if (!PyTuple_CheckExact(items)) {
        PyErr_SetString(PyExc_TypeError, "gather(): items must be a tuple");
        return NULL;
    }
    Py_ssize_t end = PyLong_AsSsize_t(args[2]);
    if (end == -1 && PyErr_Occurred()) {
        return NULL;
    }
    Py_buffer view;
    if (PyObject_GetBuffer(args[1], &view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        return NULL;
    }
    PyObject *result = NULL;
    if (view.itemsize != 4 || view.format == NULL || strcmp(view.format, "I") != 0) {
        PyErr_SetString(PyExc_TypeError, "gather(): order must be an array('I')");
        goto done;
    }
    Py_ssize_t count = view.len / 4;
    if (end < 0 || end > count) {
        end = end < 0 ? 0 : count; /* as a slice does */
    }
    Py_ssize_t size = PyTuple_GET_SIZE(items);
    const uint32_t *order = view.buf;
    for (Py_ssize_t i = 0; i < end; i++) {
        if ((Py_ssize_t)order[i] >= size) {
            PyErr_SetString(PyExc_IndexError, "gather(): an index is beyond the items");
            goto done;
        }
    }
    result = PyList_New(end);
    if (result == NULL) {
        goto done;
    }
    for (Py_ssize_t i = 0; i < end; i++) {
        PyObject *item = PyTuple_GET_ITEM(items, order[i]);
        Py_INCREF(item);
        PyList_SET_ITEM(result, i, item);
    }
done:
    PyBuffer_Release(&view);
    return result;
}

int
orders_intern(const orders_name *names, size_t count)
{
    for (size_t n = 0; n < count; n++) {
        if (*names[n].name == NULL) {
            *names[n].name = PyUnicode_InternFromString(names[n].text);
            if (*names[n].name == NULL) {
                return -1;
            }
        }
    }
    return 0;
}

static PyMethodDef methods[] = {
    {"gather", (PyCFunction)(void (*)(void))gather, METH_FASTCALL, gather_doc},
    {"compose", (PyCFunction)(void (*)(void))orders_compose, METH_FASTCALL, orders_compose_doc},
    {"longest", (PyCFunction)(void (*)(void))orders_longest, METH_FASTCALL, orders_longest_doc},
    {"matches", (PyCFunction)(void (*)(void))orders_matches, METH_FASTCALL, orders_matches_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_orders",
    "The answer pools' gather and composition (see core/pool.py), the prefix look-ups.", -1,
    methods, NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__orders(void)
{
    if (orders_compose_init() < 0 || orders_prefixes_init() < 0) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
