/* NumPy .npy files (format versions 1.0, 2.0 and 3.0): read a C-order array of dtype
 * uint8, float32, float64 or int64 in either byte order into native order, and write an
 * int64 vector. Everything about the file is checked before any large allocation: the
 * magic, the version, the header length, the header dictionary, the dtype, the shape (no
 * overflow) and that the file holds every byte the header declares.
 *
 * Deliberately not supported: Fortran order, object / structured / string dtypes, pickles,
 * .npz archives, and memory mapping. Trailing bytes after the data are ignored, as numpy
 * does. */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "fcnet/io.h"
#include "fcnet/npy_input.h"
#include "fcnet/status.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_MAGIC_LEN 6
/* Headers numpy writes are well under 1 KiB; anything near this is not an array header. */
#define NPY_MAX_HEADER (1L << 20)

static int host_is_little(void)
{
    const uint16_t one = 1;
    uint8_t first = 0;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Reverse every item of size isz in place: buf holds count items. */
static void swap_items(unsigned char *buf, long count, int isz)
{
    for (long i = 0; i < count; i++) {
        unsigned char *p = buf + (size_t)i * (size_t)isz;
        for (int a = 0, b = isz - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
    }
}

/* ---- header dictionary parser -------------------------------------------------------
 * The header is a Python dict literal, e.g.
 *   {'descr': '<f4', 'fortran_order': False, 'shape': (5000, 3, 32, 32), }
 * followed by spaces and '\n'. We accept exactly that grammar: string keys in single or
 * double quotes, string / True / False / tuple-of-integers values, optional trailing commas. */
struct hdr_parser {
    const char *s, *end;
    const char *path;
};

static void skip_ws(struct hdr_parser *p)
{
    while (p->s < p->end && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static int accept_char(struct hdr_parser *p, char c)
{
    skip_ws(p);
    if (p->s < p->end && *p->s == c) {
        p->s++;
        return 1;
    }
    return 0;
}

/* Quoted string into out (size outsz); 0 on a malformed or too long string. */
static int parse_string(struct hdr_parser *p, char *out, size_t outsz)
{
    skip_ws(p);
    if (p->s >= p->end || (*p->s != '\'' && *p->s != '"')) return 0;
    char q = *p->s++;
    size_t n = 0;
    while (p->s < p->end && *p->s != q) {
        /* printable ASCII only: these strings end up in messages */
        if (*p->s == '\\' || *p->s < 0x20 || *p->s > 0x7e || n + 1 >= outsz) return 0;
        out[n++] = *p->s++;
    }
    if (p->s >= p->end) return 0;
    p->s++;
    out[n] = '\0';
    return 1;
}

static int parse_word(struct hdr_parser *p, const char *word)
{
    size_t n = strlen(word);
    skip_ws(p);
    if ((size_t)(p->end - p->s) < n || memcmp(p->s, word, n) != 0) return 0;
    p->s += n;
    return 1;
}

/* Non-negative decimal integer that fits a long (an 'L' suffix of Python 2 is allowed). */
static int parse_dim(struct hdr_parser *p, long *v)
{
    skip_ws(p);
    if (p->s >= p->end || *p->s < '0' || *p->s > '9') return 0;
    long x = 0;
    while (p->s < p->end && *p->s >= '0' && *p->s <= '9') {
        int d = *p->s - '0';
        if (x > (LONG_MAX - d) / 10) return 0;
        x = x * 10 + d;
        p->s++;
    }
    if (p->s < p->end && *p->s == 'L') p->s++;
    *v = x;
    return 1;
}

/* (d0, d1, ...) with an optional trailing comma; () is a scalar. */
static int parse_shape(struct hdr_parser *p, long *shape, int *ndim)
{
    *ndim = 0;
    if (!accept_char(p, '(')) return 0;
    if (accept_char(p, ')')) return 1;
    for (;;) {
        long d = 0;
        if (*ndim >= 8) return 0;
        if (!parse_dim(p, &d)) return 0;
        shape[(*ndim)++] = d;
        if (accept_char(p, ')')) return 1;
        if (!accept_char(p, ',')) return 0;
        if (accept_char(p, ')')) return 1;
    }
}

/* Map a descr to (dtype, item size, stored little-endian?); 0 if unsupported. */
static int parse_descr(const char *d, enum fc_npy_dtype *dt, int *isz, int *little)
{
    char order = d[0];
    const char *code = d + 1;
    if (order != '<' && order != '>' && order != '|' && order != '=') {
        order = '|';
        code = d;
    }
    if (strcmp(code, "u1") == 0 || strcmp(code, "B") == 0) {
        *dt = FC_NPY_U8;
        *isz = 1;
        *little = 1;
        return 1;
    }
    if (order == '|') return 0; /* multi-byte types need a byte order */
    *little = order == '<' || (order == '=' && host_is_little());
    if (strcmp(code, "f4") == 0) {
        *dt = FC_NPY_F32;
        *isz = 4;
    } else if (strcmp(code, "f8") == 0) {
        *dt = FC_NPY_F64;
        *isz = 8;
    } else if (strcmp(code, "i8") == 0) {
        *dt = FC_NPY_I64;
        *isz = 8;
    } else {
        return 0;
    }
    return 1;
}

struct npy_header {
    enum fc_npy_dtype dtype;
    int itemsize, little;
    int fortran;
    int ndim;
    long shape[8];
};

/* Parse the dict of hdr (len bytes). Logs and returns FC_STATUS_BAD_DATA on any problem. */
static enum fc_status parse_header(const char *path, const char *hdr, size_t len,
                                   struct npy_header *h)
{
    struct hdr_parser p = {hdr, hdr + len, path};
    int have_descr = 0, have_fortran = 0, have_shape = 0;
    char descr[32] = "";

    if (!accept_char(&p, '{')) goto malformed;
    for (;;) {
        char key[32];
        if (accept_char(&p, '}')) break;
        if (!parse_string(&p, key, sizeof key)) goto malformed;
        if (!accept_char(&p, ':')) goto malformed;
        if (strcmp(key, "descr") == 0) {
            if (!parse_string(&p, descr, sizeof descr)) {
                fc_log(FC_LOG_ERROR,
                       "%s: the dtype ('descr') is not a simple type string; only uint8, "
                       "float32, float64 and int64 arrays are supported\n",
                       path);
                return FC_STATUS_BAD_DATA;
            }
            have_descr = 1;
        } else if (strcmp(key, "fortran_order") == 0) {
            if (parse_word(&p, "True"))
                h->fortran = 1;
            else if (parse_word(&p, "False"))
                h->fortran = 0;
            else
                goto malformed;
            have_fortran = 1;
        } else if (strcmp(key, "shape") == 0) {
            if (!parse_shape(&p, h->shape, &h->ndim)) {
                fc_log(FC_LOG_ERROR,
                       "%s: the shape in the .npy header is not a tuple of at most 8 "
                       "non-negative integers that fit in a long\n",
                       path);
                return FC_STATUS_BAD_DATA;
            }
            have_shape = 1;
        } else {
            fc_log(FC_LOG_ERROR, "%s: unexpected key '%s' in the .npy header\n", path, key);
            return FC_STATUS_BAD_DATA;
        }
        if (accept_char(&p, '}')) break;
        if (!accept_char(&p, ',')) goto malformed;
    }
    skip_ws(&p);
    if (p.s != p.end) goto malformed;
    if (!have_descr || !have_fortran || !have_shape) {
        fc_log(FC_LOG_ERROR,
               "%s: the .npy header lacks %s; is this file written by numpy.save?\n", path,
               !have_descr ? "'descr'" : !have_fortran ? "'fortran_order'" : "'shape'");
        return FC_STATUS_BAD_DATA;
    }
    if (!parse_descr(descr, &h->dtype, &h->itemsize, &h->little)) {
        fc_log(FC_LOG_ERROR,
               "%s: dtype '%s' is not supported; convert the array to uint8, float32, "
               "float64 or int64 (e.g. x.astype(np.float32))\n",
               path, descr);
        return FC_STATUS_BAD_DATA;
    }
    if (h->fortran) {
        fc_log(FC_LOG_ERROR,
               "%s: the array is in Fortran order; save a C-order copy instead "
               "(np.save(path, np.ascontiguousarray(x)))\n",
               path);
        return FC_STATUS_BAD_DATA;
    }
    return FC_OK;

malformed:
    fc_log(FC_LOG_ERROR,
           "%s: the .npy header dictionary is malformed near offset %ld of the header\n", path,
           (long)(p.s - hdr));
    return FC_STATUS_BAD_DATA;
}

enum fc_status fc_npy_read(const char *path, struct fc_npy *a)
{
    enum fc_status st = FC_OK;
    FILE *fp = NULL;
    char *hdr = NULL;
    unsigned char *data = NULL;
    unsigned char pre[12];
    struct npy_header h;
    long filesize = 0, hlen = 0, prelen = 0;

    memset(a, 0, sizeof *a);
    memset(&h, 0, sizeof h);

    fp = fopen(path, "rb");
    if (!fp) {
        fc_log(FC_LOG_ERROR, "%s: cannot open: %s\n", path, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    if (fseek(fp, 0, SEEK_END) != 0 || (filesize = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0) {
        fc_log(FC_LOG_ERROR, "%s: cannot determine the file size: %s\n", path, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }

    /* magic (6) + major + minor + header length (2 bytes in v1, 4 in v2/v3) */
    if (filesize < 10 || fread(pre, 1, 10, fp) != 10) {
        fc_log(FC_LOG_ERROR, "%s: too short to be a .npy file (%ld bytes)\n", path, filesize);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    if (memcmp(pre, NPY_MAGIC, NPY_MAGIC_LEN) != 0) {
        fc_log(FC_LOG_ERROR,
               "%s: not a .npy file (bad magic; expected \\x93NUMPY). Save arrays with "
               "numpy.save\n",
               path);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    if (pre[6] == 1 && pre[7] == 0) {
        hlen = (long)pre[8] | (long)pre[9] << 8;
        prelen = 10;
    } else if ((pre[6] == 2 || pre[6] == 3) && pre[7] == 0) {
        if (filesize < 12 || fread(pre + 10, 1, 2, fp) != 2) {
            fc_log(FC_LOG_ERROR, "%s: truncated .npy header (file is %ld bytes)\n", path,
                   filesize);
            st = FC_STATUS_BAD_DATA;
            goto cleanup;
        }
        uint32_t l = (uint32_t)pre[8] | (uint32_t)pre[9] << 8 | (uint32_t)pre[10] << 16 |
                     (uint32_t)pre[11] << 24;
        if (l > (uint32_t)NPY_MAX_HEADER) {
            fc_log(FC_LOG_ERROR, "%s: .npy header length %lu is implausibly large\n", path,
                   (unsigned long)l);
            st = FC_STATUS_BAD_DATA;
            goto cleanup;
        }
        hlen = (long)l;
        prelen = 12;
    } else {
        fc_log(FC_LOG_ERROR, "%s: .npy format version %d.%d is not supported (1.0, 2.0, 3.0)\n",
               path, pre[6], pre[7]);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    if (hlen > filesize - prelen) {
        fc_log(FC_LOG_ERROR,
               "%s: truncated .npy header: it declares %ld bytes but only %ld follow\n", path,
               hlen, filesize - prelen);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    hdr = malloc((size_t)hlen + 1);
    if (!hdr) {
        st = FC_STATUS_NOMEM;
        fc_log(FC_LOG_ERROR, "%s: out of memory reading the header\n", path);
        goto cleanup;
    }
    if (fread(hdr, 1, (size_t)hlen, fp) != (size_t)hlen) {
        fc_log(FC_LOG_ERROR, "%s: read error in the .npy header\n", path);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    hdr[hlen] = '\0';
    for (long i = 0; i < hlen; i++) {
        if (hdr[i] == '\0') {
            fc_log(FC_LOG_ERROR, "%s: the .npy header contains a NUL byte\n", path);
            st = FC_STATUS_BAD_DATA;
            goto cleanup;
        }
    }
    st = parse_header(path, hdr, (size_t)hlen, &h);
    if (st != FC_OK) goto cleanup;

    /* count = prod(shape) and bytes = count * itemsize, both without overflow and both
     * bounded by what the file holds, before allocating anything that large. */
    long count = 1;
    for (int i = 0; i < h.ndim; i++) {
        if (h.shape[i] != 0 && count > LONG_MAX / h.shape[i]) {
            fc_log(FC_LOG_ERROR,
                   "%s: the declared shape overflows (dimension %d is %ld); the header is "
                   "corrupt\n",
                   path, i, h.shape[i]);
            st = FC_STATUS_BAD_DATA;
            goto cleanup;
        }
        count *= h.shape[i];
    }
    long avail = filesize - prelen - hlen;
    if (count > avail / h.itemsize) {
        fc_log(FC_LOG_ERROR,
               "%s: truncated data: the header declares %ld items of %d bytes but only %ld "
               "bytes follow the header\n",
               path, count, h.itemsize, avail);
        st = FC_STATUS_BAD_DATA;
        goto cleanup;
    }
    size_t nbytes = (size_t)count * (size_t)h.itemsize;
    data = malloc(nbytes ? nbytes : 1);
    if (!data) {
        fc_log(FC_LOG_ERROR, "%s: out of memory for %zu bytes of array data\n", path, nbytes);
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    if (fread(data, 1, nbytes, fp) != nbytes) {
        fc_log(FC_LOG_ERROR, "%s: read error in the array data\n", path);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    if (h.itemsize > 1 && h.little != host_is_little()) swap_items(data, count, h.itemsize);

    a->dtype = h.dtype;
    a->ndim = h.ndim;
    memcpy(a->shape, h.shape, sizeof a->shape);
    a->count = count;
    a->data = data;
    data = NULL;

cleanup:
    free(data);
    free(hdr);
    if (fp) fclose(fp);
    return st;
}

void fc_npy_free(struct fc_npy *a)
{
    if (!a) return;
    free(a->data);
    memset(a, 0, sizeof *a);
}

enum fc_status fc_npy_write_i64(const char *path, const int64_t *v, long n)
{
    enum fc_status st = FC_OK;
    FILE *fp = NULL;
    char *tmp = NULL;
    char hdr[256];
    unsigned char item[8];

    FC_ASSERT(path != NULL && n >= 0 && (v != NULL || n == 0));

    /* Version 1.0 header: magic, 1, 0, uint16 LE length, dict padded with spaces to make
     * the whole preamble a multiple of 64 bytes, ending in '\n'. */
    int dict = snprintf(hdr, sizeof hdr,
                        "{'descr': '<i8', 'fortran_order': False, 'shape': (%ld,), }", n);
    int total = 10 + dict + 1;
    int padded = (total + 63) / 64 * 64;
    FC_ASSERT(dict > 0 && padded - 10 <= (int)sizeof hdr);
    memset(hdr + dict, ' ', (size_t)(padded - total));
    hdr[padded - 10 - 1] = '\n';
    int hlen = padded - 10;

    size_t tlen = strlen(path) + 32;
    tmp = malloc(tlen);
    if (!tmp) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    snprintf(tmp, tlen, "%s.tmp.%ld", path, (long)getpid());
    fp = fopen(tmp, "wb");
    if (!fp) {
        fc_log(FC_LOG_ERROR, "%s: cannot create: %s\n", tmp, strerror(errno));
        st = FC_STATUS_IO;
        goto cleanup;
    }
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (unsigned char)(hlen & 0xff),
                             (unsigned char)(hlen >> 8)};
    int ok = fwrite(pre, 1, 10, fp) == 10 && fwrite(hdr, 1, (size_t)hlen, fp) == (size_t)hlen;
    for (long i = 0; ok && i < n; i++) {
        uint64_t u = (uint64_t)v[i];
        for (int b = 0; b < 8; b++) item[b] = (unsigned char)(u >> (8 * b));
        ok = fwrite(item, 1, 8, fp) == 8;
    }
    if (fclose(fp) != 0) ok = 0;
    fp = NULL;
    if (!ok) {
        fc_log(FC_LOG_ERROR, "%s: write failed (disk full?)\n", tmp);
        remove(tmp);
        st = FC_STATUS_IO;
        goto cleanup;
    }
    if (rename(tmp, path) != 0) {
        fc_log(FC_LOG_ERROR, "%s: cannot rename %s to it: %s\n", path, tmp, strerror(errno));
        remove(tmp);
        st = FC_STATUS_IO;
        goto cleanup;
    }

cleanup:
    if (fp) fclose(fp);
    free(tmp);
    return st;
}

const char *fc_npy_dtype_name(enum fc_npy_dtype dt)
{
    switch (dt) {
    case FC_NPY_U8: return "uint8";
    case FC_NPY_F32: return "float32";
    case FC_NPY_F64: return "float64";
    case FC_NPY_I64: return "int64";
    }
    return "unknown";
}

/* "(5000, 3, 32, 32)" into buf. */
static void shape_text(const struct fc_npy *a, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, "(");
    for (int i = 0; i < a->ndim && n < size; i++)
        n += (size_t)snprintf(buf + n, size - n, i ? ", %ld" : "%ld", a->shape[i]);
    if (n < size) snprintf(buf + n, size - n, a->ndim == 1 ? ",)" : ")");
}

enum fc_status fc_npy_check_input(const struct fc_npy *a, const char *path, int D, int *N,
                                  int *raw)
{
    char shape[160];
    FC_ASSERT(a != NULL && path != NULL && D > 0 && N != NULL && raw != NULL);

    shape_text(a, shape, sizeof shape);
    if (a->dtype != FC_NPY_U8 && a->dtype != FC_NPY_F32 && a->dtype != FC_NPY_F64) {
        fc_log(FC_LOG_ERROR,
               "%s: dtype %s is not an input type: give uint8 raw pixels, or float32 / "
               "float64 already preprocessed (mean image subtracted)\n",
               path, fc_npy_dtype_name(a->dtype));
        return FC_STATUS_BAD_DATA;
    }
    int images = D == 3 * 32 * 32 && a->ndim == 4 && a->shape[1] == 3 && a->shape[2] == 32 &&
                 a->shape[3] == 32;
    int rows = a->ndim == 2 && a->shape[1] == D;
    if (!images && !rows) {
        if (D == 3 * 32 * 32)
            fc_log(FC_LOG_ERROR,
                   "%s: shape %s is not a batch of images: expected (N, 3, 32, 32) or "
                   "(N, 3072) (channel-major CIFAR-10 layout; transpose (N, 32, 32, 3) "
                   "arrays with x.transpose(0, 3, 1, 2))\n",
                   path, shape);
        else
            fc_log(FC_LOG_ERROR, "%s: shape %s does not match the model: expected (N, %d)\n",
                   path, shape, D);
        return FC_STATUS_BAD_DATA;
    }
    if (a->shape[0] > INT_MAX) {
        fc_log(FC_LOG_ERROR, "%s: %ld rows are more than this program handles at once\n", path,
               a->shape[0]);
        return FC_STATUS_BAD_DATA;
    }
    *N = (int)a->shape[0];
    *raw = a->dtype == FC_NPY_U8;
    return FC_OK;
}
