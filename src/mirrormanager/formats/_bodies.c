/* The answer bodies' byte assembly in one pass (formats/bodies.py has the same in Python).
 *
 * Why C: a full metalink is ~250 hosts and ~135 KB. Python builds it in three passes
 * (one join per host with its preference, one join of everything, one replace of the
 * suffix marks) and one object per host; here the size is summed first and every piece
 * is copied once into the result. The hosts' lines come pre-cut and packed in one bytes
 * object per host (`pack_parts`): nothing is scanned, and a host costs two cache
 * misses (its record, its lines) rather than one per piece -- with ~1,000 pieces in a
 * full answer those misses, not the copying, were most of the time. The output is
 * byte-for-byte the Python one (tests compare both on random inputs). Nothing here keeps
 * state between calls except the attribute offsets of the record type (`slot_reader`).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>
#include <stdint.h>
#include <string.h>

/* Reads one attribute of the host records. The records are instances of a slotted
 * dataclass: a slot is a member descriptor with a fixed offset, so for that type the
 * value is read directly (what the descriptor does, without the attribute look-up:
 * ~25 ns a host). Any other type goes through PyObject_GetAttr. */
typedef struct {
    const char *name;
    PyObject *interned;
    PyTypeObject *type; /* strong reference: the offset is only valid for it */
    Py_ssize_t offset;  /* -1: not a slot of `type`, use PyObject_GetAttr */
} slot_reader;

static slot_reader packed_reader = {"packed", NULL, NULL, -1};
static slot_reader line_reader = {"line", NULL, NULL, -1};

static void
reader_learn(slot_reader *reader, PyTypeObject *type)
{
    Py_XDECREF(reader->type);
    Py_INCREF(type);
    reader->type = type;
    reader->offset = -1;
    /* the class attribute: a slot's member descriptor returns itself from the class */
    PyObject *descr = PyObject_GetAttr((PyObject *)type, reader->interned);
    if (descr == NULL) {
        PyErr_Clear(); /* no such attribute: PyObject_GetAttr on the instance will say */
        return;
    }
    /* only where attribute access is the generic one (no __getattribute__ of its own) */
    if (Py_IS_TYPE(descr, &PyMemberDescr_Type) && type->tp_getattro == PyObject_GenericGetAttr) {
        PyMemberDef *member = ((PyMemberDescrObject *)descr)->d_member;
        if (member->type == T_OBJECT_EX || member->type == T_OBJECT) {
            reader->offset = member->offset;
        }
    }
    Py_DECREF(descr);
}

/* A new reference to the attribute, or NULL with an exception set. */
static PyObject *
reader_get(slot_reader *reader, PyObject *obj)
{
    PyTypeObject *type = Py_TYPE(obj);
    if (type != reader->type) {
        reader_learn(reader, type);
    }
    if (reader->offset >= 0) {
        PyObject *value = *(PyObject **)((char *)obj + reader->offset);
        if (value != NULL) {
            Py_INCREF(value);
            return value;
        }
    }
    return PyObject_GetAttr(obj, reader->interned);
}

static int
expect_bytes(PyObject *value, const char *what)
{
    if (!PyBytes_CheckExact(value)) {
        PyErr_Format(PyExc_TypeError, "%s must be bytes, not %.100s", what,
                     Py_TYPE(value)->tp_name);
        return -1;
    }
    return 0;
}

/* Copies n bytes to dst (distinct buffers); returns the new end of dst. The pieces are
 * short (1-100 bytes) and ~4,000 a full answer: a call to memcpy each, with its size
 * dispatch, cost more than the copying. Fixed-size memcpy compiles to plain (unaligned)
 * loads and stores; two overlapping ones cover any length in a power-of-two range (after
 * the 32-byte loop the last 16-byte move may start inside bytes already copied from the
 * same piece: it writes them again, unchanged). */
static inline char *
copy(char *dst, const char *src, size_t n)
{
    if (n >= 16) {
        while (n > 32) {
            memcpy(dst, src, 16);
            memcpy(dst + 16, src + 16, 16);
            dst += 32;
            src += 32;
            n -= 32;
        }
        if (n > 16) {
            memcpy(dst, src, 16);
        }
        memcpy(dst + n - 16, src + n - 16, 16);
    } else if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++) {
            dst[i] = src[i];
        }
    }
    return dst + n;
}

/* Copies one bytes object to `dst`; returns the new end. */
static inline char *
put(char *dst, PyObject *bytes)
{
    return copy(dst, PyBytes_AS_STRING(bytes), (size_t)PyBytes_GET_SIZE(bytes));
}

/* A host's `packed` lines (`formats.metalink.pack_parts`): a uint32 count n, 2n uint32
 * lengths, then the 2n parts' bytes (or empty: no lines). False (with an exception) when
 * `packed` is not that: the lengths must add up to the rest exactly. */
static int
packed_check(PyObject *packed, Py_ssize_t *n_out, Py_ssize_t *data_len)
{
    if (!PyBytes_CheckExact(packed)) {
        PyErr_SetString(PyExc_TypeError, "a host's packed lines must be bytes");
        return 0;
    }
    const char *raw = PyBytes_AS_STRING(packed);
    Py_ssize_t size = PyBytes_GET_SIZE(packed);
    uint32_t n;
    if (size == 0) { /* no lines (as a record without prepared bytes) */
        *n_out = 0;
        *data_len = 0;
        return 1;
    }
    if (size < (Py_ssize_t)sizeof n) {
        goto bad;
    }
    memcpy(&n, raw, sizeof n);
    Py_ssize_t header = (Py_ssize_t)sizeof n * (1 + 2 * (Py_ssize_t)n);
    if (header > size) {
        goto bad;
    }
    Py_ssize_t sum = 0;
    for (Py_ssize_t i = 0; i < 2 * (Py_ssize_t)n; i++) {
        uint32_t len;
        memcpy(&len, raw + sizeof n * (size_t)(1 + i), sizeof len);
        sum += len;
    }
    if (header + sum != size) {
        goto bad;
    }
    *n_out = n;
    *data_len = sum;
    return 1;
bad:
    PyErr_SetString(PyExc_ValueError, "a host's packed lines are malformed");
    return 0;
}

static void
release(PyObject **held, Py_ssize_t n)
{
    for (Py_ssize_t i = 0; i < n; i++) {
        Py_DECREF(held[i]);
    }
    PyMem_Free(held);
}

/* Each host's attribute through `reader` (new references, in a new array: held while we
 * copy, as a getattr fallback may hand out a new object each time); NULL with an
 * exception set when one cannot be read (nothing is left held). */
static PyObject **
read_hosts(slot_reader *reader, PyObject *hosts)
{
    Py_ssize_t n = PySequence_Fast_GET_SIZE(hosts);
    PyObject **items = PySequence_Fast_ITEMS(hosts);
    PyObject **held = PyMem_Malloc(sizeof(PyObject *) * (size_t)(n ? n : 1));
    if (held == NULL) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        held[i] = reader_get(reader, items[i]);
        if (held[i] == NULL) {
            release(held, i);
            return NULL;
        }
    }
    return held;
}

PyDoc_STRVAR(metalink_body_doc,
"metalink_body(pieces, hosts, preferences, last, end, tail) -> bytes\n\n"
"b''.join(pieces), then each host's lines from its `packed` parts (line i: part 2i,\n"
"its preference -- preferences[rank], `last` beyond them --, part 2i + 1, end), then tail.");

static PyObject *
metalink_body(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 6) {
        PyErr_SetString(PyExc_TypeError, "metalink_body() takes exactly 6 arguments");
        return NULL;
    }
    PyObject *pieces_arg = args[0], *hosts_arg = args[1], *prefs = args[2];
    PyObject *last = args[3], *end = args[4], *tail = args[5];
    if (!PyTuple_CheckExact(prefs)) {
        PyErr_SetString(PyExc_TypeError, "preferences must be a tuple of bytes");
        return NULL;
    }
    if (expect_bytes(last, "last") || expect_bytes(end, "end") || expect_bytes(tail, "tail")) {
        return NULL;
    }
    Py_ssize_t n_prefs = PyTuple_GET_SIZE(prefs);
    for (Py_ssize_t i = 0; i < n_prefs; i++) {
        if (expect_bytes(PyTuple_GET_ITEM(prefs, i), "a preference")) {
            return NULL;
        }
    }
    PyObject *pieces = PySequence_Fast(pieces_arg, "pieces must be a sequence of bytes");
    if (pieces == NULL) {
        return NULL;
    }
    PyObject *hosts = PySequence_Fast(hosts_arg, "hosts must be a sequence");
    if (hosts == NULL) {
        Py_DECREF(pieces);
        return NULL;
    }
    Py_ssize_t n_pieces = PySequence_Fast_GET_SIZE(pieces);
    Py_ssize_t n_hosts = PySequence_Fast_GET_SIZE(hosts);
    PyObject *result = NULL;
    PyObject **held = read_hosts(&packed_reader, hosts);
    if (held == NULL) {
        goto done;
    }
    Py_ssize_t end_len = PyBytes_GET_SIZE(end);
    Py_ssize_t total = PyBytes_GET_SIZE(tail);
    for (Py_ssize_t i = 0; i < n_pieces; i++) {
        PyObject *piece = PySequence_Fast_GET_ITEM(pieces, i);
        if (expect_bytes(piece, "a piece")) {
            goto done;
        }
        total += PyBytes_GET_SIZE(piece);
    }
    for (Py_ssize_t h = 0; h < n_hosts; h++) {
        Py_ssize_t n, data_len;
        if (!packed_check(held[h], &n, &data_len)) {
            goto done;
        }
        PyObject *pref = h < n_prefs ? PyTuple_GET_ITEM(prefs, h) : last;
        total += data_len + n * (PyBytes_GET_SIZE(pref) + end_len);
    }
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL) {
        goto done;
    }
    char *dst = PyBytes_AS_STRING(result);
    for (Py_ssize_t i = 0; i < n_pieces; i++) {
        dst = put(dst, PySequence_Fast_GET_ITEM(pieces, i));
    }
    const char *end_data = PyBytes_AS_STRING(end);
    for (Py_ssize_t h = 0; h < n_hosts; h++) {
        const char *raw = PyBytes_AS_STRING(held[h]);
        if (PyBytes_GET_SIZE(held[h]) == 0) {
            continue;
        }
        PyObject *pref = h < n_prefs ? PyTuple_GET_ITEM(prefs, h) : last;
        const char *pref_data = PyBytes_AS_STRING(pref);
        size_t pref_len = (size_t)PyBytes_GET_SIZE(pref);
        uint32_t n;
        memcpy(&n, raw, sizeof n);
        const char *lens = raw + sizeof n;
        const char *data = lens + 2 * sizeof n * (size_t)n;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t first, second;
            memcpy(&first, lens + sizeof n * 2 * i, sizeof first);
            memcpy(&second, lens + sizeof n * (2 * i + 1), sizeof second);
            dst = copy(dst, data, first);
            data += first;
            dst = copy(dst, pref_data, pref_len);
            dst = copy(dst, data, second);
            data += second;
            dst = copy(dst, end_data, (size_t)end_len);
        }
    }
    put(dst, tail);
done:
    if (held != NULL) {
        release(held, n_hosts);
    }
    Py_DECREF(pieces);
    Py_DECREF(hosts);
    return result;
}

PyDoc_STRVAR(mirrorlist_body_doc,
"mirrorlist_body(head, hosts, end) -> bytes\n\n"
"head, then each host's `line` followed by end.");

static PyObject *
mirrorlist_body(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "mirrorlist_body() takes exactly 3 arguments");
        return NULL;
    }
    PyObject *head = args[0], *hosts_arg = args[1], *end = args[2];
    if (expect_bytes(head, "head") || expect_bytes(end, "end")) {
        return NULL;
    }
    PyObject *hosts = PySequence_Fast(hosts_arg, "hosts must be a sequence");
    if (hosts == NULL) {
        return NULL;
    }
    Py_ssize_t n_hosts = PySequence_Fast_GET_SIZE(hosts);
    PyObject *result = NULL;
    PyObject **lines = read_hosts(&line_reader, hosts);
    if (lines == NULL) {
        goto done;
    }
    Py_ssize_t total = PyBytes_GET_SIZE(head) + n_hosts * PyBytes_GET_SIZE(end);
    for (Py_ssize_t h = 0; h < n_hosts; h++) {
        if (expect_bytes(lines[h], "a host's line")) {
            goto done;
        }
        total += PyBytes_GET_SIZE(lines[h]);
    }
    result = PyBytes_FromStringAndSize(NULL, total);
    if (result == NULL) {
        goto done;
    }
    char *dst = put(PyBytes_AS_STRING(result), head);
    for (Py_ssize_t h = 0; h < n_hosts; h++) {
        dst = put(dst, lines[h]);
        dst = put(dst, end);
    }
done:
    if (lines != NULL) {
        release(lines, n_hosts);
    }
    Py_DECREF(hosts);
    return result;
}

static PyMethodDef methods[] = {
    {"metalink_body", (PyCFunction)(void (*)(void))metalink_body, METH_FASTCALL,
     metalink_body_doc},
    {"mirrorlist_body", (PyCFunction)(void (*)(void))mirrorlist_body, METH_FASTCALL,
     mirrorlist_body_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_bodies",
    "The answer bodies' byte assembly in one pass (see formats/bodies.py).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC
PyInit__bodies(void)
{
    packed_reader.interned = PyUnicode_InternFromString(packed_reader.name);
    line_reader.interned = PyUnicode_InternFromString(line_reader.name);
    if (packed_reader.interned == NULL || line_reader.interned == NULL) {
        return NULL;
    }
    return PyModule_Create(&module_def);
}
