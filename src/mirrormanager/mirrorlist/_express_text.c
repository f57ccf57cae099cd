/* The express lane's texts (mirrorlist/_express.c has the lane): the client's address
 * as `client_text` finds it and its number, and the answer's pieces made here when the
 * Python helper would find them made already (the metalink head and `<metalink>` line,
 * the mirrorlist header, the access-log line), the helper itself otherwise.
 */
#include "_express.h"

#include <string.h>

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
int64_t
express_ipv4_number(PyObject *text)
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
int
express_client_text(PyObject *app, PyObject *scope, PyObject *ip, PyObject **text)
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
    verdict = express_get(peers, peer);
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
PyObject *
express_metalink_cached(PyObject *file_name, PyObject *files, PyObject *records,
                        PyObject *suffix, PyObject *second, int commented)
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
    found = express_get(heads, key);
    if (found == NULL || !PyTuple_CheckExact(found) || PyTuple_GET_SIZE(found) < 2 ||
        PyTuple_GET_ITEM(found, 0) != files || current(opened, second) != 1) {
        goto done;
    }
    if ((end = express_get(ends, suffix)) == NULL) {
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
PyObject *
express_described(PyObject *repo, PyObject *arch, PyObject *path)
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
PyObject *
express_mirrorlist(PyObject *records, PyObject *suffix, PyObject *what, PyObject *notes)
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
PyObject *
express_log_line(PyObject **fields, PyObject *now, PyObject *second)
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
