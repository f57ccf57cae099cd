/* The composition of a pooled answer in C (core/pool.py's `compose_py` is the reference
 * the tests hold it to): the request's netblock/ASN hosts, then the drawn order without
 * them. In Python it was a few dozen small statements: a third of a request's time
 * before it was done here. Part of the `_orders` module (core/_orders.c).
 */
#include "_orders.h"

/* Names read and compared, made once (module init). */
static PyObject *s_host_netblocks, *s_asn_table, *s_asn_hosts, *s_minimum, *s_members,
    *s_slot_of, *s_has_global, *s_records, *s_address, *s_country, *s_host, *s_id,
    *s_countries_allowed, *s_shuffle, *s_random, *s_netblock, *s_asn, *s_note_netblock,
    *s_note_global;

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
    chains = orders_prefix_lookup(table, address, 1);
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
    asn = orders_prefix_lookup(table, address, 0);
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


const char orders_compose_doc[] = PyDoc_STR(
"compose(index, pool, drawn, view, client, countries, chosen, rng)\n"
"-> (records, steps, notes) | None\n\n"
"core.pool.compose_py in C: the netblock/ASN steps (when view is not None), then the\n"
"drawn order without the hosts they took.");

PyObject *
orders_compose(PyObject *module, PyObject *const *args, Py_ssize_t nargs)
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

int
orders_compose_init(void)
{
    static const orders_name names[] = {
        {&s_host_netblocks, "host_netblocks"}, {&s_asn_table, "asn_table"},
        {&s_asn_hosts, "asn_hosts"}, {&s_minimum, "minimum"}, {&s_members, "members"},
        {&s_slot_of, "slot_of"}, {&s_has_global, "has_global"}, {&s_records, "records"},
        {&s_address, "address"}, {&s_country, "country"}, {&s_host, "host"}, {&s_id, "id"},
        {&s_countries_allowed, "countries_allowed"}, {&s_shuffle, "shuffle"},
        {&s_random, "random"}, {&s_netblock, "netblock"}, {&s_asn, "asn"},
        {&s_note_netblock, "Using preferred netblock"}, {&s_note_global, "country = global"},
    };
    return orders_intern(names, sizeof(names) / sizeof(names[0]));
}
