/*
 * libwbxml baseline of the WBXML bench (bench/wbxml-codec.ts compiles and runs this).
 *
 * For every input file (WBXML bytes written by our encoder) it times, in this process:
 *   decode: wbxml_tree_from_wbxml(bytes) -> tree, then wbxml_tree_destroy(tree)
 *   encode: wbxml_tree_to_wbxml(tree) -> bytes, then wbxml_free(bytes)
 *           (the tree is parsed once from the same input, outside the clock)
 * and prints one JSON object on stdout.
 *
 * Timing follows bench/timing.ts: every case is warmed up and its batch size calibrated
 * (one batch takes about budget/50), then the cases run interleaved, round by round,
 * each for a fixed time budget, the starting case rotating every round; the reported
 * rate is the median over the rounds. The clock is CLOCK_MONOTONIC, read once per batch.
 * Every operation's result is checked (WBXML_OK) and everything it allocated is freed
 * before the next one.
 *
 * Before any timing each input is decoded once; an input libwbxml rejects is reported
 * with the library's error text and its cases are skipped (the run goes on). A case whose
 * single operation takes longer than --max-op-ms is reported as too slow, not timed.
 *
 * Usage: libwbxml-bench [--rounds=N] [--budget-ms=N] [--warmup-ms=N] [--max-op-ms=N]
 *                       [--dump=DIR] LABEL=FILE...
 *   --dump=DIR  writes libwbxml's own encoding of each input to DIR/LABEL.libwbxml.wbxml
 *               (the bench decodes it with our decoder as a cross-check).
 *
 * Build: gcc -O2 -o libwbxml-bench libwbxml-bench.c $(pkg-config --cflags --libs libwbxml2)
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wbxml/wbxml.h>

/*
 * The tree API is exported by libwbxml2 0.11.x but its header (wbxml_tree.h) is not
 * installed by Debian's libwbxml2-dev (it ships wbxml.h, wbxml_conv.h, wbxml_config.h,
 * wbxml_defines.h, wbxml_errors.h). Prototypes as in upstream src/wbxml_tree.h and
 * src/wbxml_mem.h of 0.11.x; the tree stays opaque here.
 */
typedef struct WBXMLTree_s WBXMLTree;
WBXML_DECLARE(WBXMLError) wbxml_tree_from_wbxml(WB_UTINY *wbxml, WB_ULONG wbxml_len, WBXMLLanguage lang,
                                                WBXMLCharsetMIBEnum charset, WBXMLTree **tree);
WBXML_DECLARE(WBXMLError) wbxml_tree_to_wbxml(WBXMLTree *tree, WB_UTINY **wbxml, WB_ULONG *wbxml_len,
                                              WBXMLGenWBXMLParams *params);
WBXML_DECLARE(void) wbxml_tree_destroy(WBXMLTree *tree);
WBXML_DECLARE(void) wbxml_free(void *memblock);

#define MAX_ROUNDS 64
#define MAX_INPUTS 16

typedef struct {
    const char *label;
    const char *path;
    WB_UTINY *buf;
    WB_ULONG len;
    WBXMLTree *tree; /* parsed once, for the encode case */
    int ok;          /* libwbxml decoded it */
    char error[256];
} Input;

typedef enum { OP_DECODE = 0, OP_ENCODE = 1 } Op;

typedef struct {
    Input *in;
    Op op;
    int timed;       /* 0: skipped (input rejected or too slow) */
    char note[256];  /* why it was skipped */
    double single_op_ms;
    long batch;
    int nrounds;
    double rates[MAX_ROUNDS];
    WB_ULONG out_len; /* bytes the operation moves: input (decode) or output (encode) */
} Case;

static WBXMLGenWBXMLParams gen_params;

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "libwbxml-bench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(2);
}

/* One operation; returns WBXML_OK or the error (already freed whatever it made). */
static WBXMLError run_once(Case *c) {
    if (c->op == OP_DECODE) {
        WBXMLTree *tree = NULL;
        WBXMLError err = wbxml_tree_from_wbxml(c->in->buf, c->in->len, WBXML_LANG_UNKNOWN, WBXML_CHARSET_UNKNOWN, &tree);
        if (tree != NULL) wbxml_tree_destroy(tree);
        if (err == WBXML_OK && tree == NULL) return WBXML_ERROR_INTERNAL;
        return err;
    } else {
        WB_UTINY *out = NULL;
        WB_ULONG out_len = 0;
        WBXMLError err = wbxml_tree_to_wbxml(c->in->tree, &out, &out_len, &gen_params);
        if (out != NULL) wbxml_free(out);
        if (err == WBXML_OK && out == NULL) return WBXML_ERROR_INTERNAL;
        return err;
    }
}

static void check(Case *c, WBXMLError err) {
    if (err != WBXML_OK) {
        fprintf(stderr, "libwbxml-bench: %s/%s failed during timing: %s\n", c->in->label,
                c->op == OP_DECODE ? "decode" : "encode", (const char *)wbxml_errors_string(err));
        exit(3);
    }
}

/* Runs `n` operations; returns elapsed nanoseconds. */
static double batch(Case *c, long n) {
    double t0 = now_ns();
    for (long i = 0; i < n; i++) check(c, run_once(c));
    return now_ns() - t0;
}

/* Whole batches until `budget_ns` has elapsed; returns operations per second. */
static double run_for(Case *c, double budget_ns) {
    double elapsed = 0;
    long ops = 0;
    do {
        elapsed += batch(c, c->batch);
        ops += c->batch;
    } while (elapsed < budget_ns);
    return (double)ops * 1e9 / elapsed;
}

static void warm_up_and_calibrate(Case *c, double warmup_ns, double batch_ns) {
    double start = now_ns();
    long n = 1;
    for (;;) {
        double t = batch(c, n);
        if (t >= batch_ns / 4 || n >= (1L << 24)) {
            n = (long)((double)n * batch_ns / (t > 1 ? t : 1) + 0.5);
            if (n < 1) n = 1;
            break;
        }
        n *= 2;
    }
    long ops = 0;
    double spent = 0;
    while (now_ns() - start < warmup_ns) {
        spent += batch(c, n);
        ops += n;
    }
    if (ops > 0) {
        n = (long)((double)ops * batch_ns / spent + 0.5);
        if (n < 1) n = 1;
    }
    c->batch = n;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y ? 1 : 0;
}

static double median(const double *v, int n) {
    double s[MAX_ROUNDS];
    memcpy(s, v, sizeof(double) * (size_t)n);
    qsort(s, (size_t)n, sizeof(double), cmp_double);
    return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

static void read_file(Input *in) {
    FILE *f = fopen(in->path, "rb");
    if (!f) die("cannot open", in->path);
    if (fseek(f, 0, SEEK_END) != 0) die("cannot seek", in->path);
    long size = ftell(f);
    if (size <= 0) die("empty or unreadable file", in->path);
    rewind(f);
    in->buf = malloc((size_t)size);
    if (!in->buf) die("out of memory", NULL);
    if (fread(in->buf, 1, (size_t)size, f) != (size_t)size) die("short read", in->path);
    fclose(f);
    in->len = (WB_ULONG)size;
}

/* JSON string of a label or a library message (ASCII expected; anything else escaped). */
static void json_string(const char *s) {
    putchar('"');
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\') printf("\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7f) printf("\\u%04x", ch);
        else putchar(ch);
    }
    putchar('"');
}

static long parse_long(const char *flag, const char *v) {
    char *end = NULL;
    errno = 0;
    long n = strtol(v, &end, 10);
    if (errno || !end || *end || n <= 0) die("needs a positive integer", flag);
    return n;
}

int main(int argc, char **argv) {
    long rounds = 5, budget_ms = 500, warmup_ms = 500, max_op_ms = 2000;
    const char *dump_dir = NULL;
    Input inputs[MAX_INPUTS];
    int ninputs = 0;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strncmp(a, "--rounds=", 9) == 0) rounds = parse_long("--rounds", a + 9);
        else if (strncmp(a, "--budget-ms=", 12) == 0) budget_ms = parse_long("--budget-ms", a + 12);
        else if (strncmp(a, "--warmup-ms=", 12) == 0) warmup_ms = parse_long("--warmup-ms", a + 12);
        else if (strncmp(a, "--max-op-ms=", 12) == 0) max_op_ms = parse_long("--max-op-ms", a + 12);
        else if (strncmp(a, "--dump=", 7) == 0) dump_dir = a + 7;
        else if (a[0] != '-' && strchr(a, '=') != NULL) {
            if (ninputs == MAX_INPUTS) die("too many inputs", NULL);
            char *eq = strchr(argv[i], '=');
            *eq = '\0';
            memset(&inputs[ninputs], 0, sizeof(Input));
            inputs[ninputs].label = argv[i];
            inputs[ninputs].path = eq + 1;
            ninputs++;
        } else die("unknown argument (usage: [--rounds=N] [--budget-ms=N] [--warmup-ms=N] [--max-op-ms=N] [--dump=DIR] LABEL=FILE...)", a);
    }
    if (ninputs == 0) die("no inputs", NULL);
    if (rounds > MAX_ROUNDS) rounds = MAX_ROUNDS;

    /* Defaults of wbxml_tree_to_wbxml (NULL params) spelled out, WBXML 1.3 as our encoder. */
    gen_params.wbxml_version = WBXML_VERSION_13;
    gen_params.keep_ignorable_ws = FALSE;
    gen_params.use_strtbl = TRUE;
    gen_params.produce_anonymous = FALSE;

    /* Verification: libwbxml must accept every input before anything is timed. */
    Case cases[2 * MAX_INPUTS];
    int ncases = 0;
    for (int i = 0; i < ninputs; i++) {
        Input *in = &inputs[i];
        read_file(in);
        WB_UTINY *copy = malloc(in->len);
        if (!copy) die("out of memory", NULL);
        memcpy(copy, in->buf, in->len);
        double t0 = now_ns();
        WBXMLError err = wbxml_tree_from_wbxml(in->buf, in->len, WBXML_LANG_UNKNOWN, WBXML_CHARSET_UNKNOWN, &in->tree);
        double decode_ms = (now_ns() - t0) / 1e6;
        if (memcmp(copy, in->buf, in->len) != 0) die("wbxml_tree_from_wbxml modified its input", in->label);
        free(copy);
        if (err == WBXML_OK && in->tree != NULL) {
            in->ok = 1;
        } else {
            snprintf(in->error, sizeof in->error, "wbxml_tree_from_wbxml failed: %s (code %d)",
                     (const char *)wbxml_errors_string(err), (int)err);
            if (in->tree) wbxml_tree_destroy(in->tree);
            in->tree = NULL;
        }
        for (int op = 0; op < 2; op++) {
            Case *c = &cases[ncases++];
            memset(c, 0, sizeof *c);
            c->in = in;
            c->op = (Op)op;
            c->out_len = in->len;
            if (!in->ok) continue;
            if (op == OP_DECODE) {
                c->single_op_ms = decode_ms;
            } else {
                WB_UTINY *out = NULL;
                WB_ULONG out_len = 0;
                t0 = now_ns();
                err = wbxml_tree_to_wbxml(in->tree, &out, &out_len, &gen_params);
                c->single_op_ms = (now_ns() - t0) / 1e6;
                if (err != WBXML_OK || out == NULL) {
                    snprintf(c->note, sizeof c->note, "wbxml_tree_to_wbxml failed: %s (code %d)",
                             (const char *)wbxml_errors_string(err), (int)err);
                    if (out) wbxml_free(out);
                    continue;
                }
                c->out_len = out_len;
                if (dump_dir) {
                    char path[4096];
                    snprintf(path, sizeof path, "%s/%s.libwbxml.wbxml", dump_dir, in->label);
                    FILE *f = fopen(path, "wb");
                    if (!f || fwrite(out, 1, out_len, f) != out_len || fclose(f) != 0) die("cannot write", path);
                }
                wbxml_free(out);
            }
            if (c->single_op_ms > (double)max_op_ms) {
                snprintf(c->note, sizeof c->note, "one operation took %.0f ms (limit %ld ms): not timed",
                         c->single_op_ms, max_op_ms);
                continue;
            }
            c->timed = 1;
        }
        fprintf(stderr, "[libwbxml-bench] %s: %lu B, %s\n", in->label, (unsigned long)in->len,
                in->ok ? "decoded by libwbxml" : in->error);
    }

    /* Warm-up and calibration, then interleaved rounds. */
    double budget_ns = (double)budget_ms * 1e6;
    double batch_ns = budget_ns / 50 > 1e6 ? budget_ns / 50 : 1e6;
    for (int k = 0; k < ncases; k++) {
        if (cases[k].timed) warm_up_and_calibrate(&cases[k], (double)warmup_ms * 1e6, batch_ns);
    }
    for (int r = 0; r < rounds; r++) {
        for (int k = 0; k < ncases; k++) {
            Case *c = &cases[(k + r) % ncases];
            if (!c->timed) continue;
            c->rates[c->nrounds++] = run_for(c, budget_ns);
        }
        fprintf(stderr, "[libwbxml-bench] round %d/%ld done\n", r + 1, rounds);
    }

    /* Results. */
    printf("{\"library\":\"libwbxml2\",\"version\":");
    json_string(WBXML_LIB_VERSION);
    printf(",\"clock\":\"CLOCK_MONOTONIC\",\"rounds\":%ld,\"budgetMs\":%ld,\"warmupMs\":%ld,\"maxOpMs\":%ld,\"cases\":[",
           rounds, budget_ms, warmup_ms, max_op_ms);
    for (int k = 0; k < ncases; k++) {
        Case *c = &cases[k];
        if (k) putchar(',');
        printf("{\"input\":");
        json_string(c->in->label);
        printf(",\"op\":\"%s\",\"inputBytes\":%lu,\"bytes\":%lu", c->op == OP_DECODE ? "decode" : "encode",
               (unsigned long)c->in->len, (unsigned long)c->out_len);
        if (!c->in->ok) {
            printf(",\"ok\":false,\"error\":");
            json_string(c->in->error);
        } else if (!c->timed) {
            printf(",\"ok\":false,\"singleOpMs\":%.3f,\"error\":", c->single_op_ms);
            json_string(c->note);
        } else {
            double med = median(c->rates, c->nrounds);
            double lo = c->rates[0], hi = c->rates[0];
            for (int i = 1; i < c->nrounds; i++) {
                if (c->rates[i] < lo) lo = c->rates[i];
                if (c->rates[i] > hi) hi = c->rates[i];
            }
            printf(",\"ok\":true,\"opsPerSec\":%.3f,\"bestOpsPerSec\":%.3f,\"spreadPct\":%.3f,\"batch\":%ld,\"rounds\":[",
                   med, hi, med > 0 ? (hi - lo) / med * 100 : 0.0, c->batch);
            for (int i = 0; i < c->nrounds; i++) printf("%s%.3f", i ? "," : "", c->rates[i]);
            putchar(']');
        }
        putchar('}');
    }
    printf("]}\n");

    for (int i = 0; i < ninputs; i++) {
        if (inputs[i].tree) wbxml_tree_destroy(inputs[i].tree);
        free(inputs[i].buf);
    }
    return 0;
}
