/* The prefix look-ups (`PrefixTable.longest`/`matches`, core/netblocks.py) over the
 * table's frozen form, in C: as Python methods they were ~11 % of a request, called by
 * `compose` (core/_orders_compose.c) and by `SelectionIndex.client_country`. Part of the
 * `_orders` module (core/_orders.c).
 */
#include "_orders.h"

/* Names read, made once (module init). */
static PyObject *s_longest, *s_matches, *s__longest, *s__matches, *s__ip;

static PyTypeObject *ipv4_type, *ipv6_type; /* ipaddress.IPv4Address, IPv6Address */

/* An array of 4-byte unsigned ints (netblocks.py's `_UINT32`: 'I', or 'L' where that is
 * 4 bytes); its item count in *count. */
static const uint32_t *
uint32_buffer(PyObject *array, Py_buffer *view, Py_ssize_t *count, const char *what)
{
    if (PyObject_GetBuffer(array, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s must be an array('I')", what);
        }
        return NULL;
    }
    if (view->itemsize != 4 || view->format == NULL ||
        (strcmp(view->format, "I") != 0 && strcmp(view->format, "L") != 0)) {
        PyErr_Format(PyExc_TypeError, "%s must be an array('I')", what);
        PyBuffer_Release(view);
        return NULL;
    }
    *count = view->len / 4;
    return view->buf;
}

/* int(address): the `_ip` slot `__int__` returns, read directly for the ipaddress
 * classes themselves (a Python-level `__int__` call is most of a look-up's cost); a
 * subclass goes through int() as the method does. New reference, an exact int. */
static PyObject *
address_number(PyObject *address)
{
    if (Py_IS_TYPE(address, ipv4_type) || Py_IS_TYPE(address, ipv6_type)) {
        PyObject *number = PyObject_GetAttr(address, s__ip);
        if (number == NULL || PyLong_CheckExact(number)) {
            return number;
        }
        Py_DECREF(number);
    }
    return PyNumber_Long(address);
}

/* The interval of `number` in the form's starts (`bisect_right` within the bucket of
 * `number >> shift`); -1 on error. The starts are an array('I') (IPv4) or a list of
 * ints (IPv6, 128-bit numbers: compared as Python ints). */
static Py_ssize_t
interval_of(PyObject *form, PyObject *number, const char *name)
{
    PyObject *starts = PyTuple_GET_ITEM(form, 0), *shift_obj = PyTuple_GET_ITEM(form, 2);
    Py_ssize_t shift = PyLong_Check(shift_obj) ? PyLong_AsSsize_t(shift_obj) : -1;
    if (shift == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (shift < 0 || shift > 128) {
        PyErr_Format(PyExc_TypeError, "%s(): the form's shift must be 0 to 128", name);
        return -1;
    }
    Py_buffer buckets_view, starts_view;
    Py_ssize_t nbuckets, nstarts, at = -1;
    const uint32_t *buckets = uint32_buffer(PyTuple_GET_ITEM(form, 1), &buckets_view,
                                            &nbuckets, "the form's buckets");
    if (buckets == NULL) {
        return -1;
    }
    Py_ssize_t bucket;
    const uint32_t *starts4 = NULL;
    unsigned long long x = 0;
    if (PyList_CheckExact(starts)) {
        PyObject *high = PyNumber_Rshift(number, shift_obj);
        bucket = high ? PyLong_AsSsize_t(high) : -1;
        Py_XDECREF(high);
        if (bucket == -1 && PyErr_Occurred()) {
            if (!PyErr_ExceptionMatches(PyExc_OverflowError)) {
                goto done;
            }
            PyErr_Clear(); /* beyond any bucket: refused below */
            bucket = PY_SSIZE_T_MAX - 1;
        }
        nstarts = PyList_GET_SIZE(starts);
    } else {
        starts4 = uint32_buffer(starts, &starts_view, &nstarts, "the form's starts");
        if (starts4 == NULL) {
            goto done;
        }
        x = PyLong_AsUnsignedLongLong(number);
        if (x == (unsigned long long)-1 && PyErr_Occurred()) {
            PyErr_Clear(); /* an IPv6 number and an IPv4 form */
            PyErr_Format(PyExc_TypeError, "%s(): the address is beyond the form", name);
            PyBuffer_Release(&starts_view);
            goto done;
        }
        bucket = shift >= 64 ? 0 : (Py_ssize_t)(x >> shift);
    }
    if (bucket < 0 || bucket >= nbuckets - 1) {
        PyErr_Format(PyExc_IndexError, "%s(): the address's bucket is beyond the form", name);
    } else {
        Py_ssize_t lo = buckets[bucket], hi = buckets[bucket + 1];
        if (hi > nstarts) {
            PyErr_Format(PyExc_IndexError, "%s(): a bucket is beyond the form's starts", name);
        } else if (starts4 != NULL) {
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                if (x < starts4[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            at = lo;
        } else {
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                PyObject *start = PyList_GET_ITEM(starts, mid);
                if (!PyLong_CheckExact(start)) { /* so no comparison runs Python code */
                    PyErr_Format(PyExc_TypeError, "%s(): the form's starts must be ints", name);
                    break;
                }
                int below = PyObject_RichCompareBool(number, start, Py_LT);
                if (below < 0) {
                    break;
                }
                if (below) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            at = PyErr_Occurred() ? -1 : lo;
        }
    }
    if (starts4 != NULL) {
        PyBuffer_Release(&starts_view);
    }
done:
    PyBuffer_Release(&buckets_view);
    return at;
}

/* `PrefixTable.longest` (chains 0) or `matches` (chains 1) of `address`: the answer
 * of the interval it falls in, from the frozen form `table._longest`/`_matches` keeps
 * under `type(address)`; with no form yet, the method itself (it builds the form). */
PyObject *
orders_prefix_lookup(PyObject *table, PyObject *address, int chains)
{
    const char *name = chains ? "matches" : "longest";
    if (!PyObject_TypeCheck(address, ipv4_type) && !PyObject_TypeCheck(address, ipv6_type)) {
        PyErr_Format(PyExc_TypeError, "%s(): address must be an IPv4Address or IPv6Address",
                     name);
        return NULL;
    }
    PyObject *forms = PyObject_GetAttr(table, chains ? s__matches : s__longest);
    if (forms == NULL || !PyDict_Check(forms)) {
        if (forms == NULL && !PyErr_ExceptionMatches(PyExc_AttributeError)) {
            return NULL;
        }
        PyErr_Clear();
        Py_XDECREF(forms);
        PyErr_Format(PyExc_TypeError, "%s(): table must be a PrefixTable", name);
        return NULL;
    }
    PyObject *form = PyDict_GetItemWithError(forms, (PyObject *)Py_TYPE(address));
    Py_XINCREF(form); /* held: a subclass's int() below may run any code */
    Py_DECREF(forms);
    if (form == NULL) {
        if (PyErr_Occurred()) {
            return NULL;
        }
        return PyObject_CallMethodOneArg(table, chains ? s_matches : s_longest, address);
    }
    PyObject *result = NULL, *number = NULL;
    Py_buffer owners_view;
    Py_ssize_t nowners;
    if (!PyTuple_Check(form) || PyTuple_GET_SIZE(form) != 5 ||
        !PyList_Check(PyTuple_GET_ITEM(form, 4))) {
        PyErr_Format(PyExc_TypeError,
                     "%s(): the form must be (starts, buckets, shift, owners, answers)", name);
        goto done;
    }
    number = address_number(address);
    if (number == NULL) {
        goto done;
    }
    Py_ssize_t at = interval_of(form, number, name);
    if (at < 0) {
        goto done;
    }
    const uint32_t *owners = uint32_buffer(PyTuple_GET_ITEM(form, 3), &owners_view,
                                           &nowners, "the form's owners");
    if (owners == NULL) {
        goto done;
    }
    PyObject *answers = PyTuple_GET_ITEM(form, 4);
    if (at >= nowners || (Py_ssize_t)owners[at] >= PyList_GET_SIZE(answers)) {
        PyErr_Format(PyExc_IndexError, "%s(): an owner is beyond the form's answers", name);
    } else {
        PyObject *answer = PyList_GET_ITEM(answers, owners[at]);
        /* a new list each time, as the method's: callers may change it */
        result = chains ? PySequence_List(answer) : Py_NewRef(answer);
    }
    PyBuffer_Release(&owners_view);
done:
    Py_XDECREF(number);
    Py_DECREF(form);
    return result;
}

const char orders_longest_doc[] = PyDoc_STR(
"longest(table, address) -> value | None\n\n"
"table.longest(address) (core.netblocks.PrefixTable) over its frozen form.");

PyObject *
orders_longest(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "longest() takes exactly 2 arguments");
        return NULL;
    }
    return orders_prefix_lookup(args[0], args[1], 0);
}

const char orders_matches_doc[] = PyDoc_STR(
"matches(table, address) -> list[(length, value)]\n\n"
"table.matches(address) (core.netblocks.PrefixTable) over its frozen form.");

PyObject *
orders_matches(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "matches() takes exactly 2 arguments");
        return NULL;
    }
    return orders_prefix_lookup(args[0], args[1], 1);
}

int
orders_prefixes_init(void)
{
    static const orders_name names[] = {
        {&s_matches, "matches"}, {&s_longest, "longest"}, {&s__longest, "_longest"},
        {&s__matches, "_matches"}, {&s__ip, "_ip"},
    };
    if (orders_intern(names, sizeof(names) / sizeof(names[0])) < 0) {
        return -1;
    }
    if (ipv4_type == NULL) {
        PyObject *ipaddress = PyImport_ImportModule("ipaddress");
        PyObject *v4 = ipaddress ? PyObject_GetAttrString(ipaddress, "IPv4Address") : NULL;
        PyObject *v6 = v4 ? PyObject_GetAttrString(ipaddress, "IPv6Address") : NULL;
        Py_XDECREF(ipaddress);
        if (v6 == NULL || !PyType_Check(v4) || !PyType_Check(v6)) {
            Py_XDECREF(v4);
            Py_XDECREF(v6);
            if (!PyErr_Occurred()) {
                PyErr_SetString(PyExc_ImportError, "_orders: ipaddress has no address classes");
            }
            return -1;
        }
        ipv4_type = (PyTypeObject *)v4; /* kept for the module's life */
        ipv6_type = (PyTypeObject *)v6;
    }
    return 0;
}
