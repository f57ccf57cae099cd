/* The answer pools' gather and composition in C (core/pool.py has both in Python:
 * `gather_py`, `compose_py`, the reference the tests hold these to).
 *
 * Why C: a pooled answer is a stored order (an array of 4-byte indices) turned back into
 * records. `itemgetter(*order)` reads the array through Python ints (one made and freed
 * per host) and makes a tuple to copy into a list; here the indices are read from the
 * array's buffer and the list is filled directly. Composing a request's answer (its
 * netblock/ASN hosts, then the drawn order without them) is a few dozen small Python
 * statements: a third of a request's time before it was done here.
 *
 * The prefix look-ups (`PrefixTable.longest`/`matches`, core/netblocks.py) read the
 * table's frozen form here too: as Python methods they were ~11 % of a request, called
 * by `compose` and by `SelectionIndex.client_country`.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>

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


/* Names read and compared, made once (module init). */
static PyObject *s_host_netblocks, *s_matches, *s_asn_table, *s_longest, *s_asn_hosts,
    *s_minimum, *s_members, *s_slot_of, *s_has_global, *s_records, *s_address, *s_country,
    *s_host, *s_id, *s_countries_allowed, *s_shuffle, *s_random, *s_netblock, *s_asn,
    *s_note_netblock, *s_note_global, *s__longest, *s__matches, *s__ip;

/* A C array's buffer, its items' format `format`; `what` names it in the error. */
static int
get_buffer(PyObject *array, Py_buffer *view, const char *format, const char *what)
{
    if (PyObject_GetBuffer(array, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        if (PyErr_ExceptionMatches(PyExc_BufferError)) { /* not an array at all */
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s must be an array('%s')", what, format);
        }
        return -1;
    }
    if (view->format == NULL || strcmp(view->format, format) != 0) {
        PyErr_Format(PyExc_TypeError, "%s must be an array('%s')", what, format);
        PyBuffer_Release(view);
        return -1;
    }
    return 0;
}

/* --- the prefix look-ups ------------------------------------------------------------ */

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
static PyObject *
prefix_lookup(PyObject *table, PyObject *address, int chains)
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

PyDoc_STRVAR(longest_doc,
"longest(table, address) -> value | None\n\n"
"table.longest(address) (core.netblocks.PrefixTable) over its frozen form.");

static PyObject *
longest(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "longest() takes exactly 2 arguments");
        return NULL;
    }
    return prefix_lookup(args[0], args[1], 0);
}

PyDoc_STRVAR(matches_doc,
"matches(table, address) -> list[(length, value)]\n\n"
"table.matches(address) (core.netblocks.PrefixTable) over its frozen form.");

static PyObject *
matches(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 2) {
        PyErr_SetString(PyExc_TypeError, "matches() takes exactly 2 arguments");
        return NULL;
    }
    return prefix_lookup(args[0], args[1], 1);
}

#define MAX_TAKEN 64 /* netblock/ASN hosts found in the drawn order (a request meets 2-3) */

/* `_group` (core/selection.py): the records of `ids` (in order) that are in `records`,
 * not in `chosen` and allowed for `country`; their ids join `chosen`. New reference. */
static PyObject *
group_of(PyObject *ids, PyObject *records, PyObject *chosen, PyObject *country)
{
    PyObject *group = PyList_New(0);
    PyObject *it = group ? PyObject_GetIter(ids) : NULL;
    if (it == NULL) {
        Py_XDECREF(group);
        return NULL;
    }
    PyObject *i;
    while ((i = PyIter_Next(it)) != NULL) {
        int found = PySet_Contains(chosen, i);
        PyObject *record = NULL;
        if (found == 0) {
            record = PyDict_GetItemWithError(records, i); /* borrowed */
            if (record == NULL && PyErr_Occurred()) {
                found = -1;
            }
        }
        if (record != NULL) {
            PyObject *host = PyObject_GetAttr(record, s_host);
            PyObject *allowed = host ? PyObject_GetAttr(host, s_countries_allowed) : NULL;
            Py_XDECREF(host);
            int ok = allowed ? PyObject_IsTrue(allowed) : -1;
            if (ok == 1) {
                ok = PySequence_Contains(allowed, country);
            } else if (ok == 0) {
                ok = 1; /* no list: every country is allowed */
            }
            Py_XDECREF(allowed);
            if (ok == 1 && (PySet_Add(chosen, i) < 0 || PyList_Append(group, record) < 0)) {
                ok = -1;
            }
            if (ok < 0) {
                found = -1;
            }
        }
        Py_DECREF(i);
        if (found < 0) {
            Py_DECREF(it);
            Py_DECREF(group);
            return NULL;
        }
    }
    Py_DECREF(it);
    if (PyErr_Occurred()) {
        Py_DECREF(group);
        return NULL;
    }
    return group;
}

/* Appends `group` to `picked`, shuffled by `rng` first when it holds two or more
 * records (as `preferred`: a shuffle of fewer draws no number). */
static int
take_group(PyObject *group, PyObject *rng, PyObject *picked)
{
    if (PyList_GET_SIZE(group) > 1) {
        PyObject *done = PyObject_CallMethodOneArg(rng, s_shuffle, group);
        if (done == NULL) {
            return -1;
        }
        Py_DECREF(done);
    }
    Py_ssize_t end = PyList_GET_SIZE(picked);
    return PyList_SetSlice(picked, end, end, group);
}

static int
append_step(PyObject *steps, PyObject *name, Py_ssize_t count)
{
    PyObject *step = Py_BuildValue("(On)", name, count);
    if (step == NULL) {
        return -1;
    }
    int failed = PyList_Append(steps, step);
    Py_DECREF(step);
    return failed;
}

/* `preferred` (core/selection.py): the netblock and ASN steps, into picked/steps/notes. */
static int
preferred(PyObject *index, PyObject *view, PyObject *client, PyObject *chosen,
          PyObject *rng, PyObject *picked, PyObject *steps, PyObject *notes)
{
    int failed = -1;
    PyObject *address = NULL, *country = NULL, *records = NULL, *table = NULL;
    PyObject *chains = NULL, *asn = NULL, *asn_hosts = NULL;
    address = PyObject_GetAttr(client, s_address);
    country = address ? PyObject_GetAttr(client, s_country) : NULL;
    records = country ? PyObject_GetAttr(view, s_records) : NULL;
    table = records ? PyObject_GetAttr(index, s_host_netblocks) : NULL;
    if (table == NULL) {
        goto done;
    }
    if (!PyDict_CheckExact(records)) {
        PyErr_SetString(PyExc_TypeError, "compose(): view.records must be a dict");
        goto done;
    }
    chains = prefix_lookup(table, address, 1);
    if (chains == NULL) {
        goto done;
    }
    if (!PyList_CheckExact(chains)) {
        PyErr_SetString(PyExc_TypeError, "compose(): matches() must give a list");
        goto done;
    }
    Py_ssize_t added = 0;
    for (Py_ssize_t n = 0; n < PyList_GET_SIZE(chains); n++) {
        PyObject *chain = PyList_GET_ITEM(chains, n);
        if (!PyTuple_Check(chain) || PyTuple_GET_SIZE(chain) != 2) {
            PyErr_SetString(PyExc_TypeError, "compose(): a match must be (length, ids)");
            goto done;
        }
        PyObject *group = group_of(PyTuple_GET_ITEM(chain, 1), records, chosen, country);
        if (group == NULL) {
            goto done;
        }
        Py_ssize_t size = PyList_GET_SIZE(group);
        int bad = size ? take_group(group, rng, picked) : 0;
        Py_DECREF(group);
        if (bad < 0) {
            goto done;
        }
        added += size;
    }
    if (added && (append_step(steps, s_netblock, added) < 0 ||
                  PyList_Append(notes, s_note_netblock) < 0)) {
        goto done;
    }
    Py_SETREF(table, PyObject_GetAttr(index, s_asn_table));
    if (table == NULL) {
        goto done;
    }
    asn = prefix_lookup(table, address, 0);
    if (asn == NULL) {
        goto done;
    }
    if (asn != Py_None) {
        asn_hosts = PyObject_GetAttr(index, s_asn_hosts);
        if (asn_hosts == NULL) {
            goto done;
        }
        if (!PyDict_Check(asn_hosts)) {
            PyErr_SetString(PyExc_TypeError, "compose(): index.asn_hosts must be a dict");
            goto done;
        }
        PyObject *ids = PyDict_GetItemWithError(asn_hosts, asn); /* borrowed */
        if (ids == NULL && PyErr_Occurred()) {
            goto done;
        }
        PyObject *group = ids ? group_of(ids, records, chosen, country) : PyList_New(0);
        if (group == NULL) {
            goto done;
        }
        Py_ssize_t size = PyList_GET_SIZE(group);
        int bad = 0;
        if (size) {
            PyObject *note = PyUnicode_FromFormat("Using ASN %S", asn);
            bad = (note == NULL || take_group(group, rng, picked) < 0 ||
                   append_step(steps, s_asn, size) < 0 || PyList_Append(notes, note) < 0);
            Py_XDECREF(note);
        }
        Py_DECREF(group);
        if (bad) {
            goto done;
        }
    }
    failed = 0;
done:
    Py_XDECREF(address);
    Py_XDECREF(country);
    Py_XDECREF(records);
    Py_XDECREF(table);
    Py_XDECREF(chains);
    Py_XDECREF(asn);
    Py_XDECREF(asn_hosts);
    return failed;
}

/* A step's (name, count); 0 on success. */
static int
step_parts(PyObject *step, PyObject **name, Py_ssize_t *count)
{
    if (!PyTuple_Check(step) || PyTuple_GET_SIZE(step) != 2) {
        PyErr_SetString(PyExc_TypeError, "compose(): a step must be (name, count)");
        return -1;
    }
    *name = PyTuple_GET_ITEM(step, 0);
    *count = PyLong_AsSsize_t(PyTuple_GET_ITEM(step, 1));
    return (*count == -1 && PyErr_Occurred()) ? -1 : 0;
}

static int
is_name(PyObject *name, const char *text)
{
    return PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, text) == 0;
}


PyDoc_STRVAR(compose_doc,
"compose(index, pool, drawn, view, client, countries, chosen, rng)\n"
"-> (records, steps, notes) | None\n\n"
"core.pool.compose_py in C: the netblock/ASN steps (when view is not None), then the\n"
"drawn order without the hosts they took.");

static PyObject *
compose(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
{
    if (nargs != 8) {
        PyErr_SetString(PyExc_TypeError, "compose() takes exactly 8 arguments");
        return NULL;
    }
    PyObject *index = args[0], *pool = args[1], *drawn = args[2], *view = args[3];
    PyObject *client = args[4], *chosen = args[6], *rng = args[7];
    int countries = PyObject_IsTrue(args[5]);
    if (countries < 0) {
        return NULL;
    }
    if (!PyTuple_Check(drawn) || PyTuple_GET_SIZE(drawn) != 6) {
        PyErr_SetString(PyExc_TypeError, "compose(): drawn must be a Drawn");
        return NULL;
    }
    if (!PyAnySet_Check(chosen)) {
        PyErr_SetString(PyExc_TypeError, "compose(): chosen must be a set");
        return NULL;
    }
    PyObject *drawn_steps = PyTuple_GET_ITEM(drawn, 1);
    PyObject *drawn_notes = PyTuple_GET_ITEM(drawn, 2);
    if (!PyTuple_Check(drawn_steps) || !PyTuple_Check(drawn_notes)) {
        PyErr_SetString(PyExc_TypeError, "compose(): drawn steps and notes must be tuples");
        return NULL;
    }
    Py_ssize_t drawn_global = PyLong_AsSsize_t(PyTuple_GET_ITEM(drawn, 5));
    if (drawn_global == -1 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *result = NULL, *members = NULL, *picked = NULL, *steps = NULL, *notes = NULL;
    PyObject *slot_of = NULL, *has_global = NULL, *minimum_obj = NULL, *drawn_list = NULL;
    Py_buffer order_view = {0}, cumulative_view = {0};
    int have_order = 0, have_cumulative = 0;
    members = PyObject_GetAttr(pool, s_members);
    if (members == NULL) {
        goto done;
    }
    if (!PyTuple_CheckExact(members)) {
        PyErr_SetString(PyExc_TypeError, "compose(): pool.members must be a tuple");
        goto done;
    }
    if (get_buffer(PyTuple_GET_ITEM(drawn, 0), &order_view, "I", "compose(): drawn.order") < 0) {
        goto done;
    }
    have_order = 1;
    const uint32_t *order = order_view.buf;
    Py_ssize_t count = order_view.len / 4, size = PyTuple_GET_SIZE(members);
    for (Py_ssize_t i = 0; i < count; i++) {
        if ((Py_ssize_t)order[i] >= size) {
            PyErr_SetString(PyExc_IndexError, "compose(): an index is beyond the members");
            goto done;
        }
    }
    picked = PyList_New(0);
    steps = PyList_New(0);
    notes = PyList_New(0);
    if (picked == NULL || steps == NULL || notes == NULL) {
        goto done;
    }
    if (view != Py_None &&
        preferred(index, view, client, chosen, rng, picked, steps, notes) < 0) {
        goto done;
    }
    Py_ssize_t ahead = PyList_GET_SIZE(picked);
    Py_ssize_t nsteps = PyTuple_GET_SIZE(drawn_steps);
    if (ahead == 0) {
        /* no netblock/ASN hosts: the drawn order, its first position drawn afresh */
        if (get_buffer(PyTuple_GET_ITEM(drawn, 4), &cumulative_view, "d",
                       "compose(): drawn.cumulative") < 0) {
            goto done;
        }
        have_cumulative = 1;
        const double *cumulative = cumulative_view.buf;
        Py_ssize_t runs = cumulative_view.len / (Py_ssize_t)sizeof(double);
        Py_ssize_t first = 0;
        if (runs > 1) {
            PyObject *drawn_number = PyObject_CallMethodNoArgs(rng, s_random);
            double x = drawn_number ? PyFloat_AsDouble(drawn_number) : -1.0;
            Py_XDECREF(drawn_number);
            if (x == -1.0 && PyErr_Occurred()) {
                goto done;
            }
            x *= cumulative[runs - 1];
            Py_ssize_t lo = 0, hi = runs; /* bisect_right */
            while (lo < hi) {
                Py_ssize_t mid = (lo + hi) / 2;
                if (x < cumulative[mid]) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            first = lo < runs - 1 ? lo : runs - 1;
            if (first > 0 && first >= count) {
                PyErr_SetString(PyExc_IndexError, "compose(): the first run is beyond the order");
                goto done;
            }
        }
        Py_SETREF(picked, PyList_New(count));
        if (picked == NULL) {
            goto done;
        }
        for (Py_ssize_t i = 0, at = 1; i < count; i++) {
            PyObject *item = PyTuple_GET_ITEM(members, order[i]);
            Py_INCREF(item);
            if (first == 0) {
                PyList_SET_ITEM(picked, i, item);
            } else if (i == first) {
                PyList_SET_ITEM(picked, 0, item);
            } else {
                PyList_SET_ITEM(picked, i < first ? at++ : i, item);
            }
        }
        Py_SETREF(steps, PySequence_List(drawn_steps));
        Py_SETREF(notes, steps ? PySequence_List(drawn_notes) : NULL);
        if (notes == NULL) {
            goto done;
        }
        result = PyTuple_Pack(3, picked, steps, notes);
        goto done;
    }
    /* positions in the drawn order of the hosts the netblock/ASN steps took, last first */
    slot_of = PyObject_GetAttr(pool, s_slot_of);
    if (slot_of == NULL) {
        goto done;
    }
    if (!PyDict_Check(slot_of)) {
        PyErr_SetString(PyExc_TypeError, "compose(): pool.slot_of must be a dict");
        goto done;
    }
    Py_ssize_t taken[MAX_TAKEN], ntaken = 0;
    for (Py_ssize_t n = 0; n < ahead; n++) {
        PyObject *host = PyObject_GetAttr(PyList_GET_ITEM(picked, n), s_host);
        PyObject *host_id = host ? PyObject_GetAttr(host, s_id) : NULL;
        Py_XDECREF(host);
        if (host_id == NULL) {
            goto done;
        }
        PyObject *slot = PyDict_GetItemWithError(slot_of, host_id); /* borrowed */
        Py_DECREF(host_id);
        if (slot == NULL && PyErr_Occurred()) {
            goto done;
        }
        if (slot != NULL) {
            long wanted = PyLong_AsLong(slot);
            if (wanted == -1 && PyErr_Occurred()) {
                goto done;
            }
            Py_ssize_t p = 0;
            while (p < count && (long)order[p] != wanted) {
                p++;
            }
            if (p == count) {
                PyErr_SetString(PyExc_ValueError, "compose(): a member is not in the order");
                goto done;
            }
            if (ntaken == MAX_TAKEN) {
                PyErr_SetString(PyExc_OverflowError, "compose(): too many hosts taken");
                goto done;
            }
            Py_ssize_t at = ntaken++; /* insertion: descending */
            while (at > 0 && taken[at - 1] < p) {
                taken[at] = taken[at - 1];
                at--;
            }
            taken[at] = p;
        }
    }
    /* the drawn steps, less one per taken host in each */
    if (nsteps > MAX_TAKEN * 4) {
        PyErr_SetString(PyExc_OverflowError, "compose(): too many steps");
        goto done;
    }
    PyObject *names[MAX_TAKEN * 4];
    Py_ssize_t counts[MAX_TAKEN * 4], ends[MAX_TAKEN * 4], less[MAX_TAKEN * 4];
    for (Py_ssize_t s = 0, total = 0; s < nsteps; s++) {
        if (step_parts(PyTuple_GET_ITEM(drawn_steps, s), &names[s], &counts[s]) < 0) {
            goto done;
        }
        total += counts[s];
        ends[s] = total;
        less[s] = 0;
    }
    Py_ssize_t global_from = drawn_global;
    for (Py_ssize_t t = 0; t < ntaken; t++) {
        Py_ssize_t p = taken[t], s = 0;
        while (s < nsteps && ends[s] <= p) { /* bisect_right(ends, p) */
            s++;
        }
        if (s == nsteps) {
            PyErr_SetString(PyExc_IndexError, "compose(): a position is beyond the steps");
            goto done;
        }
        less[s]++;
        if (p < drawn_global) {
            global_from--;
        }
    }
    Py_ssize_t kept = count;
    has_global = PyObject_GetAttr(pool, s_has_global);
    minimum_obj = has_global ? PyObject_GetAttr(index, s_minimum) : NULL;
    if (minimum_obj == NULL) {
        goto done;
    }
    Py_ssize_t minimum = PyLong_AsSsize_t(minimum_obj);
    int global = PyObject_IsTrue(has_global);
    if (global < 0 || (minimum == -1 && PyErr_Occurred())) {
        goto done;
    }
    drawn_list = PySequence_List(drawn_notes);
    if (drawn_list == NULL) {
        goto done;
    }
    if (global && ahead + global_from >= minimum) {
        /* pick() would not have reached the global step */
        if (nsteps && is_name(names[nsteps - 1], "global")) {
            kept = drawn_global;
            nsteps--;
        }
        Py_ssize_t at = PySequence_Index(drawn_list, s_note_global);
        if (at < 0 || PySequence_DelItem(drawn_list, at) < 0) {
            goto done;
        }
    }
    if (countries && PyTuple_GET_SIZE(drawn_steps)) {
        PyObject *first_name;
        Py_ssize_t first_count;
        if (step_parts(PyTuple_GET_ITEM(drawn_steps, 0), &first_name, &first_count) < 0) {
            goto done;
        }
        if (is_name(first_name, "country")) {
            int left = 0;
            for (Py_ssize_t s = 0; s < nsteps && !left; s++) {
                left = counts[s] - less[s] != 0 && is_name(names[s], "country");
            }
            if (!left) { /* the requested countries' hosts all came first: pick() anew */
                result = Py_NewRef(Py_None);
                goto done;
            }
        }
    }
    /* the rest goes straight behind the netblock/ASN hosts, less the hosts they took */
    kept = kept < 0 ? 0 : (kept > count ? count : kept);
    for (Py_ssize_t i = 0; i < kept; i++) {
        int skip = 0;
        for (Py_ssize_t t = 0; t < ntaken && !skip; t++) {
            skip = taken[t] == i;
        }
        if (!skip && PyList_Append(picked, PyTuple_GET_ITEM(members, order[i])) < 0) {
            goto done;
        }
    }
    for (Py_ssize_t s = 0; s < nsteps; s++) {
        PyObject *step = PyTuple_GET_ITEM(drawn_steps, s);
        if (less[s]) {
            if (ntaken && counts[s] - less[s] == 0) {
                continue; /* drawn steps all have hosts; taken ones may have none left */
            }
            if (append_step(steps, names[s], counts[s] - less[s]) < 0) {
                goto done;
            }
        } else if ((!ntaken || counts[s]) && PyList_Append(steps, step) < 0) {
            goto done;
        }
    }
    /* the netblock/ASN notes first, then the drawn ones */
    Py_ssize_t end = PyList_GET_SIZE(notes);
    if (PyList_SetSlice(notes, end, end, drawn_list) < 0) {
        goto done;
    }
    result = PyTuple_Pack(3, picked, steps, notes);
done:
    if (have_order) {
        PyBuffer_Release(&order_view);
    }
    if (have_cumulative) {
        PyBuffer_Release(&cumulative_view);
    }
    Py_XDECREF(members);
    Py_XDECREF(picked);
    Py_XDECREF(steps);
    Py_XDECREF(notes);
    Py_XDECREF(slot_of);
    Py_XDECREF(has_global);
    Py_XDECREF(minimum_obj);
    Py_XDECREF(drawn_list);
    return result;
}

static PyMethodDef methods[] = {
    {"gather", (PyCFunction)(void (*)(void))gather, METH_FASTCALL, gather_doc},
    {"compose", (PyCFunction)(void (*)(void))compose, METH_FASTCALL, compose_doc},
    {"longest", (PyCFunction)(void (*)(void))longest, METH_FASTCALL, longest_doc},
    {"matches", (PyCFunction)(void (*)(void))matches, METH_FASTCALL, matches_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "_orders",
    "The answer pools' gather and composition (see core/pool.py), the prefix look-ups.", -1,
    methods, NULL, NULL, NULL, NULL,
};

static int
intern_names(void)
{
    struct {
        PyObject **name;
        const char *text;
    } names[] = {
        {&s_host_netblocks, "host_netblocks"}, {&s_matches, "matches"},
        {&s_asn_table, "asn_table"}, {&s_longest, "longest"}, {&s_asn_hosts, "asn_hosts"},
        {&s_minimum, "minimum"}, {&s_members, "members"}, {&s_slot_of, "slot_of"},
        {&s_has_global, "has_global"}, {&s_records, "records"}, {&s_address, "address"},
        {&s_country, "country"}, {&s_host, "host"}, {&s_id, "id"},
        {&s_countries_allowed, "countries_allowed"}, {&s_shuffle, "shuffle"},
        {&s_random, "random"}, {&s_netblock, "netblock"}, {&s_asn, "asn"},
        {&s_note_netblock, "Using preferred netblock"},
        {&s_note_global, "country = global"}, {&s__longest, "_longest"},
        {&s__matches, "_matches"}, {&s__ip, "_ip"},
    };
    for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
        if (*names[n].name == NULL) {
            *names[n].name = PyUnicode_InternFromString(names[n].text);
            if (*names[n].name == NULL) {
                return -1;
            }
        }
    }
    return 0;
}

PyMODINIT_FUNC
PyInit__orders(void)
{
    if (intern_names() < 0) {
        return NULL;
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
            return NULL;
        }
        ipv4_type = (PyTypeObject *)v4; /* kept for the module's life */
        ipv6_type = (PyTypeObject *)v6;
    }
    return PyModule_Create(&module_def);
}
