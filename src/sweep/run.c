/* The sweep over MPI: rank 0 reads and expands the spec and broadcasts the trials, every
 * rank loads the dataset once, then rank 0 coordinates while all ranks (rank 0 included,
 * in a second thread) train trials handed out one at a time.
 *
 * Why a trainer thread on rank 0: with P ranks on P cores every core must train, and the
 * solver has no hook to answer requests between iterations. The coordinator therefore
 * lives in rank 0's main thread (the only thread of the process that calls MPI, so
 * MPI_THREAD_FUNNELED suffices) and polls with MPI_Test and a short timed wait between
 * polls (0.1 ms doubling to 10 ms while idle): OpenMPI's blocking receive would spin a
 * core at 100%; this costs well under 1% of one and answers a remote rank within 10 ms.
 * The local trainer talks to it through a mutex and two condition variables, and its
 * requests end the coordinator's wait at once. The sweep file is rewritten after the
 * replies, so no rank waits for it.
 *
 * Protocol (MPI_COMM_WORLD): a trainer sends TAG_RESULT, the outcome of its last trial
 * (id -1 on the first request), and receives TAG_WORK, the next trial id or -1 (stop).
 * Trials are identified by id only: every rank holds the same trial list.
 *
 * Does not: parse YAML (spec.c), write HDF5 itself (io/), install signal handlers or call
 * MPI_Init (cli/). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <mpi.h>

#include "fcnet/clock.h"
#include "fcnet/data.h"
#include "fcnet/fs.h"
#include "fcnet/io.h"
#include "fcnet/model.h"
#include "fcnet/rng.h"
#include "fcnet/solver.h"
#include "fcnet/sweep_io.h"
#include "sweep/spec.h"
#include "sweep/sweep.h"

#define TAG_RESULT 11
#define TAG_WORK 12

/* MPI calls that must not fail (the default handler already aborts; this names the call). */
#define MPI_CHECK(call)                                                                      \
    do {                                                                                     \
        int mpi_rc_ = (call);                                                                \
        if (mpi_rc_ != MPI_SUCCESS) {                                                        \
            fc_log(FC_LOG_ERROR, "%s failed (MPI error %d) at %s:%d\n", #call, mpi_rc_,      \
                   __FILE__, __LINE__);                                                      \
            MPI_Abort(MPI_COMM_WORLD, 4);                                                    \
        }                                                                                    \
    } while (0)

enum trial_state { T_PENDING = 0, T_RUNNING, T_FINISHED };

/* Outcome of one trial, sent as bytes (all ranks run the same binary on one kind of node). */
struct msg_result {
    int64_t id;          /* -1: first request of a rank */
    int32_t rank;
    int32_t epochs_run;
    double best_val_acc;
    double seconds;
    char status[16];     /* ok | diverged | failed | interrupted */
    char message[200];
};

struct sweep {
    const struct fc_sweep_opts *o;
    int rank, size;
    char name[128];
    char out_dir[4096];
    char sweep_path[4200];
    struct fc_trial *trials;
    long ntrials;
    struct fc_dataset ds;
    int ds_loaded;
    int lock_fd;                   /* rank 0: DIR/sweep.lock, locked while the sweep runs */
    pthread_mutex_t h5_lock;       /* HDF5 calls of rank 0's two threads */
    /* coordinator (rank 0) */
    struct fc_spec spec;
    struct fc_sweep_record rec;
    unsigned char *state;          /* (ntrials) enum trial_state */
    long next;                     /* first trial id that may be pending */
    long done_total, done_session, failed;
    int stopping;
    double t_start;
    double coord_cpu;              /* CPU seconds of the coordinator thread */
    /* rank 0's local trainer <-> coordinator */
    pthread_mutex_t mu;
    pthread_cond_t cv;             /* coordinator -> trainer: has_work */
    pthread_cond_t wake;           /* trainer -> coordinator: has_req (ends an idle wait) */
    int dirty;                     /* the sweep file is behind the table */
    int has_req, has_work;
    struct msg_result req;
    int64_t work;
};

static void sleep_us(long us)
{
    struct timespec ts;
    ts.tv_sec = us / 1000000;
    ts.tv_nsec = (us % 1000000) * 1000;
    nanosleep(&ts, NULL);
}

/* Wait for a request without spinning: Open MPI's blocking calls poll at 100% of a core,
 * so a rank waiting for work, or one that has run out of trials and waits for the others
 * to finish theirs, would burn its core the whole time. MPI_Test with a growing sleep
 * (0.1 to 10 ms) costs a fraction of a percent. */
static void wait_quietly(MPI_Request *req, long max_us)
{
    int flag = 0;
    long backoff = 100;
    for (;;) {
        MPI_CHECK(MPI_Test(req, &flag, MPI_STATUS_IGNORE));
        if (flag) return;
        sleep_us(backoff);
        if (backoff < max_us) backoff *= 2;
    }
}

static int stop_requested(const struct sweep *sw) { return sw->o->stop && *sw->o->stop; }

static void trial_file(const struct sweep *sw, long id, char *path, size_t size)
{
    snprintf(path, size, "%s/trial_%04ld.h5", sw->out_dir, id);
}

/* ---- training one trial (any rank, any thread; no MPI here) ------------------------- */

static void run_trial(struct sweep *sw, long id, struct msg_result *res)
{
    const struct fc_trial *t = &sw->trials[id];
    struct fc_model m;
    struct fc_result r;
    struct fc_rng rng;
    struct fc_solver_opts so;
    enum fc_status st;
    char path[4300];

    memset(&m, 0, sizeof m);
    memset(&r, 0, sizeof r);
    memset(res, 0, sizeof *res);
    memset(&so, 0, sizeof so);
    res->id = id;
    res->rank = sw->rank;
    res->best_val_acc = -1;
    so.verbose = 0;
    so.stop = sw->o->stop;
    if (stop_requested(sw)) {
        snprintf(res->status, sizeof res->status, "interrupted");
        return;
    }
    fc_rng_seed(&rng, t->config.seed);
    st = fc_model_init(&m, &t->config, &rng);
    if (st != FC_OK) {
        snprintf(res->status, sizeof res->status, "failed");
        snprintf(res->message, sizeof res->message, "model init: %s", fc_status_str(st));
        goto cleanup;
    }
    st = fc_solver_train(&m, &sw->ds, &t->config, &so, &rng, &r);
    res->best_val_acc = r.best_val_acc;
    res->epochs_run = r.num_epochs_done;
    res->seconds = r.seconds;
    if (st == FC_STATUS_INTERRUPTED) {
        snprintf(res->status, sizeof res->status, "interrupted");
        goto cleanup;
    }
    if (st != FC_OK && st != FC_STATUS_DIVERGED) {
        snprintf(res->status, sizeof res->status, "failed");
        snprintf(res->message, sizeof res->message, "%.199s", r.message[0] ? r.message : fc_status_str(st));
        goto cleanup;
    }
    snprintf(res->status, sizeof res->status, "%s", st == FC_OK ? "ok" : "diverged");
    trial_file(sw, id, path, sizeof path);
    pthread_mutex_lock(&sw->h5_lock);
    st = fc_h5_model_save(path, &t->config, &m, &r, sw->ds.mean, sw->ds.D,
                          (const char(*)[32])sw->ds.class_names, id);
    pthread_mutex_unlock(&sw->h5_lock);
    if (st != FC_OK) {
        snprintf(res->status, sizeof res->status, "failed");
        snprintf(res->message, sizeof res->message, "cannot write %.140s: %.40s", path, fc_status_str(st));
    }
cleanup:
    fc_result_free(&r);
    fc_model_free(&m);
}

/* ---- rank 0: local trainer thread ----------------------------------------------------- */

/* Hand res to the coordinator and wait for the next trial id (-1: stop). */
static int64_t local_exchange(struct sweep *sw, const struct msg_result *res)
{
    int64_t id;
    pthread_mutex_lock(&sw->mu);
    sw->req = *res;
    sw->has_req = 1;
    pthread_cond_signal(&sw->wake); /* the coordinator may be in its idle wait */
    while (!sw->has_work) pthread_cond_wait(&sw->cv, &sw->mu);
    sw->has_work = 0;
    id = sw->work;
    pthread_mutex_unlock(&sw->mu);
    return id;
}

static void *local_trainer(void *arg)
{
    struct sweep *sw = arg;
    struct msg_result res;
    int64_t id;
    memset(&res, 0, sizeof res);
    res.id = -1;
    res.rank = 0;
    for (;;) {
        id = local_exchange(sw, &res);
        if (id < 0) break;
        run_trial(sw, (long)id, &res);
    }
    return NULL;
}

/* ---- ranks > 0: worker loop ------------------------------------------------------------ */

static void worker_loop(struct sweep *sw)
{
    struct msg_result res;
    int64_t id = -1;
    memset(&res, 0, sizeof res);
    res.id = -1;
    res.rank = sw->rank;
    for (;;) {
        MPI_Request req;
        MPI_CHECK(MPI_Send(&res, (int)sizeof res, MPI_BYTE, 0, TAG_RESULT, MPI_COMM_WORLD));
        MPI_CHECK(MPI_Irecv(&id, 1, MPI_INT64_T, 0, TAG_WORK, MPI_COMM_WORLD, &req));
        wait_quietly(&req, 2000);
        if (id < 0) break;
        run_trial(sw, (long)id, &res);
    }
}

/* ---- rank 0: coordinator ---------------------------------------------------------------- */

static void fmt_duration(double s, char *buf, size_t size)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, size, "%ldh%02ldm", t / 3600, (t % 3600) / 60);
    else if (t >= 60) snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
    else snprintf(buf, size, "%lds", t);
}

static void update_best(struct sweep *sw)
{
    long i, best = -1;
    for (i = 0; i < sw->ntrials; i++) {
        const struct fc_sweep_row *r = &sw->rec.rows[i];
        if (strcmp(r->status, "ok") != 0 && strcmp(r->status, "diverged") != 0) continue;
        if (best < 0 || r->best_val_acc > sw->rec.rows[best].best_val_acc) best = i;
    }
    sw->rec.best_trial = best;
}

static enum fc_status write_sweep_file(struct sweep *sw)
{
    enum fc_status st;
    update_best(sw);
    pthread_mutex_lock(&sw->h5_lock);
    st = fc_sweep_h5_write(sw->sweep_path, &sw->rec);
    pthread_mutex_unlock(&sw->h5_lock);
    return st;
}

static void record_result(struct sweep *sw, const struct msg_result *m)
{
    struct fc_sweep_row *row;
    long id = (long)m->id;
    char eta[32] = "-";
    if (id < 0) return;
    FC_ASSERT(id < sw->ntrials && sw->state[id] == T_RUNNING);
    row = &sw->rec.rows[id];
    snprintf(row->status, sizeof row->status, "%s", m->status);
    row->rank = m->rank;
    row->best_val_acc = m->best_val_acc;
    row->epochs_run = m->epochs_run;
    row->seconds = m->seconds;
    if (strcmp(m->status, "interrupted") == 0) {
        /* no file: the trial runs again on resume; a stopped rank means the sweep stops */
        sw->state[id] = T_PENDING;
        if (id < sw->next) sw->next = id;
        if (!sw->stopping) fc_log(FC_LOG_INFO, "rank %d was stopped: the sweep stops handing out work\n", m->rank);
        sw->stopping = 1;
        return;
    }
    sw->state[id] = T_FINISHED;
    if (strcmp(m->status, "failed") == 0) {
        sw->failed++;
        row->file[0] = '\0';
        fc_log(FC_LOG_WARN, "trial %ld failed on rank %d: %s (it runs again on resume)\n", id, m->rank, m->message);
    } else {
        snprintf(row->file, sizeof row->file, "trial_%04ld.h5", id);
        sw->done_total++;
        sw->done_session++;
    }
    {
        long remaining = sw->ntrials - sw->done_total - sw->failed;
        double elapsed = fc_clock_seconds() - sw->t_start;
        if (sw->done_session > 0 && remaining > 0)
            fmt_duration(elapsed / (double)sw->done_session * (double)remaining, eta, sizeof eta);
        else if (remaining == 0)
            snprintf(eta, sizeof eta, "0s");
    }
    fc_log(FC_LOG_INFO, "[%ld/%ld] trial %ld  %-36s %-8s best val %.4f  ep %d  %.1fs  rank %d  ETA %s\n",
           sw->done_total, sw->ntrials, id, sw->trials[id].brief, m->status, m->best_val_acc, m->epochs_run,
           m->seconds, m->rank, eta);
    sw->dirty = 1;
}

/* Next trial for `rank`, or -1 when stopping or nothing is pending. */
static int64_t next_work(struct sweep *sw, int rank)
{
    long i;
    if (sw->stopping) return -1;
    for (i = sw->next; i < sw->ntrials; i++) {
        if (sw->state[i] == T_PENDING) {
            sw->state[i] = T_RUNNING;
            snprintf(sw->rec.rows[i].status, sizeof sw->rec.rows[i].status, "running");
            sw->rec.rows[i].rank = rank;
            sw->next = i + 1;
            return i;
        }
    }
    sw->next = sw->ntrials;
    return -1;
}

/* Sleep us microseconds, or less when the local trainer posts a request. */
static void idle_wait(struct sweep *sw, int local, long us)
{
    struct timespec until;
    if (!local) {
        sleep_us(us);
        return;
    }
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += us * 1000;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&sw->mu);
    if (!sw->has_req) pthread_cond_timedwait(&sw->wake, &sw->mu, &until);
    pthread_mutex_unlock(&sw->mu);
}

static double thread_cpu_s(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void coordinate(struct sweep *sw, int local)
{
    struct msg_result in;
    MPI_Request req = MPI_REQUEST_NULL;
    int remote_left = sw->size - 1, local_left = local;
    long backoff = 100;
    double cpu0 = thread_cpu_s();

    if (remote_left > 0)
        MPI_CHECK(MPI_Irecv(&in, (int)sizeof in, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD, &req));
    while (remote_left > 0 || local_left > 0) {
        int progress = 0;
        if (stop_requested(sw) && !sw->stopping) {
            sw->stopping = 1;
            fc_log(FC_LOG_INFO, "stop requested: no new trials; waiting for the running ones to stop\n");
        }
        if (remote_left > 0) {
            int flag = 0;
            MPI_Status status;
            MPI_CHECK(MPI_Test(&req, &flag, &status));
            if (flag) {
                int64_t work;
                progress = 1;
                record_result(sw, &in);
                work = next_work(sw, status.MPI_SOURCE);
                MPI_CHECK(MPI_Send(&work, 1, MPI_INT64_T, status.MPI_SOURCE, TAG_WORK, MPI_COMM_WORLD));
                if (work < 0) remote_left--;
                if (remote_left > 0)
                    MPI_CHECK(MPI_Irecv(&in, (int)sizeof in, MPI_BYTE, MPI_ANY_SOURCE, TAG_RESULT, MPI_COMM_WORLD,
                                        &req));
            }
        }
        if (local_left > 0) {
            pthread_mutex_lock(&sw->mu);
            if (sw->has_req) {
                struct msg_result lr = sw->req;
                sw->has_req = 0;
                pthread_mutex_unlock(&sw->mu);
                progress = 1;
                record_result(sw, &lr);
                pthread_mutex_lock(&sw->mu);
                sw->work = next_work(sw, 0);
                sw->has_work = 1;
                if (sw->work < 0) local_left = 0;
                pthread_cond_signal(&sw->cv);
            }
            pthread_mutex_unlock(&sw->mu);
        }
        if (sw->dirty) {
            /* after the replies: a rank waiting for work does not wait for the file */
            sw->dirty = 0;
            write_sweep_file(sw);
        }
        if (progress) {
            backoff = 100;
        } else {
            idle_wait(sw, local_left > 0, backoff);
            if (backoff < 10000) backoff *= 2;
        }
    }
    sw->coord_cpu = thread_cpu_s() - cpu0;
}

/* ---- rank 0: preparation and resume ---------------------------------------------------- */

/* Leftovers of a killed run: trial_NNNN.h5.tmp.PID and sweep.h5.tmp.PID. */
static void remove_temporaries(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4400];
    if (!d) return;
    while ((e = readdir(d)) != NULL) {
        if ((strncmp(e->d_name, "trial_", 6) == 0 || strncmp(e->d_name, "sweep.h5", 8) == 0)
            && strstr(e->d_name, ".h5.tmp.")) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            remove(path);
        }
    }
    closedir(d);
}

static enum fc_status refuse_other_spec(const struct sweep *sw, long id, const struct fc_config *there,
                                        const struct fc_config *here, const char *where)
{
    char key[64], va[FC_SPEC_VALUE_LEN], vb[FC_SPEC_VALUE_LEN];
    fc_config_diff(there, here, key, sizeof key, va, vb, sizeof va);
    fc_log(FC_LOG_ERROR,
           "%s holds results of a different spec (trial %ld: %s is %s there, %s in %s); "
           "use another --out or remove that folder\n",
           where, id, key, va, vb, sw->o->spec_path);
    return FC_STATUS_BAD_CONFIG;
}

/* One sweep at a time per results folder: a POSIX record lock on DIR/sweep.lock, which
 * the system drops when the process dies (kill -9 included), so resume is never blocked. */
static enum fc_status lock_results(struct sweep *sw)
{
    char path[4300];
    struct flock fl;
    snprintf(path, sizeof path, "%s/sweep.lock", sw->out_dir);
    sw->lock_fd = open(path, O_RDWR | O_CREAT, 0666);
    if (sw->lock_fd < 0) {
        fc_log(FC_LOG_ERROR, "%s: cannot create: %s\n", path, strerror(errno));
        return FC_STATUS_IO;
    }
    memset(&fl, 0, sizeof fl);
    fl.l_type = F_WRLCK;
    fl.l_whence = SEEK_SET;
    if (fcntl(sw->lock_fd, F_SETLK, &fl) != 0) {
        fc_log(FC_LOG_ERROR, "%s: another sweep is running in this folder; wait for it or use another --out\n",
               sw->out_dir);
        return FC_STATUS_IO;
    }
    return FC_OK;
}

static enum fc_status prepare_results(struct sweep *sw)
{
    struct fc_sweep_record old;
    int have_old = 0;
    long i, resumed = 0;
    enum fc_status st;
    char key[64], va[FC_SPEC_VALUE_LEN], vb[FC_SPEC_VALUE_LEN];

    memset(&old, 0, sizeof old);
    st = fc_mkdir_p(sw->out_dir);
    if (st != FC_OK) return st;
    st = lock_results(sw);
    if (st != FC_OK) return st;
    remove_temporaries(sw->out_dir);

    sw->state = calloc((size_t)sw->ntrials, 1);
    sw->rec.rows = calloc((size_t)sw->ntrials, sizeof *sw->rec.rows);
    sw->rec.spec_text = malloc(sw->spec.text_len + 1);
    if (!sw->state || !sw->rec.rows || !sw->rec.spec_text) {
        fc_log(FC_LOG_ERROR, "out of memory for %ld trials\n", sw->ntrials);
        return FC_STATUS_NOMEM;
    }
    memcpy(sw->rec.spec_text, sw->spec.text, sw->spec.text_len + 1);
    snprintf(sw->rec.name, sizeof sw->rec.name, "%s", sw->spec.name);
    snprintf(sw->rec.method, sizeof sw->rec.method, "%s", sw->spec.method == FC_METHOD_GRID ? "grid" : "random");
    snprintf(sw->rec.metric, sizeof sw->rec.metric, "%s", sw->spec.metric);
    sw->rec.seed = sw->spec.seed;
    sw->rec.num_trials = sw->ntrials;
    sw->rec.best_trial = -1;
    for (i = 0; i < sw->ntrials; i++) {
        struct fc_sweep_row *r = &sw->rec.rows[i];
        r->id = i;
        snprintf(r->status, sizeof r->status, "pending");
        r->best_val_acc = -1;
        r->rank = -1;
        r->config = sw->trials[i].config;
    }

    if (access(sw->sweep_path, F_OK) == 0) {
        st = fc_sweep_h5_read(sw->sweep_path, &old);
        if (st == FC_STATUS_FORMAT) {
            fc_log(FC_LOG_ERROR, "%s is not a sweep file of this version; use another --out\n", sw->sweep_path);
            return st;
        }
        if (st == FC_OK) {
            have_old = 1;
            if (old.num_trials != sw->ntrials) {
                fc_log(FC_LOG_ERROR,
                       "%s holds sweep '%s' with %ld trials, %s expands to %ld; use another --out or remove that folder\n",
                       sw->sweep_path, old.name, old.num_trials, sw->o->spec_path, sw->ntrials);
                fc_sweep_record_free(&old);
                return FC_STATUS_BAD_CONFIG;
            }
            for (i = 0; i < sw->ntrials; i++) {
                if (fc_config_diff(&old.rows[i].config, &sw->trials[i].config, key, sizeof key, va, vb, sizeof va)) {
                    st = refuse_other_spec(sw, i, &old.rows[i].config, &sw->trials[i].config, sw->sweep_path);
                    fc_sweep_record_free(&old);
                    return st;
                }
            }
            if (!old.spec_text || strcmp(old.spec_text, sw->spec.text) != 0)
                fc_log(FC_LOG_INFO, "note: the spec text differs from the stored one, but it gives the same trials\n");
        } else {
            fc_log(FC_LOG_WARN, "%s is unreadable; rebuilding it from the trial files\n", sw->sweep_path);
        }
    }

    for (i = 0; i < sw->ntrials; i++) {
        char path[4300];
        struct fc_model_file f;
        trial_file(sw, i, path, sizeof path);
        if (access(path, F_OK) != 0) continue;
        memset(&f, 0, sizeof f);
        pthread_mutex_lock(&sw->h5_lock);
        st = fc_h5_model_load(path, &f);
        pthread_mutex_unlock(&sw->h5_lock);
        if (st != FC_OK) {
            fc_log(FC_LOG_WARN, "%s cannot be read (%s); trial %ld runs again\n", path, fc_status_str(st), i);
            fc_model_file_free(&f);
            continue;
        }
        if (f.trial_id != i || fc_config_diff(&f.config, &sw->trials[i].config, key, sizeof key, va, vb, sizeof va)) {
            st = refuse_other_spec(sw, i, &f.config, &sw->trials[i].config, path);
            fc_model_file_free(&f);
            if (have_old) fc_sweep_record_free(&old);
            return st;
        }
        if (strcmp(f.trial_status, "ok") == 0 || strcmp(f.trial_status, "diverged") == 0) {
            struct fc_sweep_row *r = &sw->rec.rows[i];
            snprintf(r->status, sizeof r->status, "%s", f.trial_status);
            r->best_val_acc = f.result.best_val_acc;
            r->epochs_run = f.result.num_epochs_done;
            r->seconds = f.result.seconds;
            r->rank = have_old ? old.rows[i].rank : -1;
            snprintf(r->file, sizeof r->file, "trial_%04ld.h5", i);
            sw->state[i] = T_FINISHED;
            sw->done_total++;
            resumed++;
        }
        fc_model_file_free(&f);
    }
    if (have_old) fc_sweep_record_free(&old);
    if (resumed > 0)
        fc_log(FC_LOG_INFO, "resuming %s: %ld of %ld trials already done\n", sw->out_dir, resumed, sw->ntrials);
    return write_sweep_file(sw);
}

/* Rank 0: read the spec, expand it, pick the results folder. */
static enum fc_status load_spec(struct sweep *sw)
{
    FILE *fp = NULL;
    char *text = NULL;
    long len;
    enum fc_status st = FC_STATUS_IO;

    fp = fopen(sw->o->spec_path, "rb");
    if (!fp) {
        fc_log(FC_LOG_ERROR, "%s: cannot open the sweep spec: %s\n", sw->o->spec_path, strerror(errno));
        goto cleanup;
    }
    if (fseek(fp, 0, SEEK_END) != 0 || (len = ftell(fp)) < 0 || fseek(fp, 0, SEEK_SET) != 0 || len > (1L << 24)) {
        fc_log(FC_LOG_ERROR, "%s: cannot read the sweep spec (not a regular file, or over 16 MB)\n", sw->o->spec_path);
        goto cleanup;
    }
    text = malloc((size_t)len + 1);
    if (!text) {
        st = FC_STATUS_NOMEM;
        goto cleanup;
    }
    if (fread(text, 1, (size_t)len, fp) != (size_t)len) {
        fc_log(FC_LOG_ERROR, "%s: short read\n", sw->o->spec_path);
        goto cleanup;
    }
    st = fc_spec_parse(&sw->spec, text, (size_t)len, sw->o->spec_path);
    if (st != FC_OK) goto cleanup;
    st = fc_spec_trials(&sw->spec, &sw->trials, &sw->ntrials);
    if (st != FC_OK) goto cleanup;
    snprintf(sw->name, sizeof sw->name, "%s", sw->spec.name);
    if (sw->o->out_dir && sw->o->out_dir[0]) snprintf(sw->out_dir, sizeof sw->out_dir, "%s", sw->o->out_dir);
    else snprintf(sw->out_dir, sizeof sw->out_dir, "results/%s", sw->spec.name);
    {
        size_t n = strlen(sw->out_dir);
        while (n > 1 && sw->out_dir[n - 1] == '/') sw->out_dir[--n] = '\0';
    }
cleanup:
    free(text);
    if (fp) fclose(fp);
    return st;
}

static void print_trials(const struct sweep *sw)
{
    long i;
    fc_log(FC_LOG_INFO, "%s: %s search, %ld trials, results in %s\n", sw->name,
           sw->spec.method == FC_METHOD_GRID ? "grid" : "random", sw->ntrials, sw->out_dir);
    for (i = 0; i < sw->ntrials; i++)
        fc_log(FC_LOG_INFO, "trial %ld  seed %llu  %s\n", i, (unsigned long long)sw->trials[i].config.seed,
               sw->trials[i].canon[0] ? sw->trials[i].canon : "(no swept keys)");
}

static int cmp_rows(const void *a, const void *b)
{
    const struct fc_sweep_row *const *x = a, *const *y = b;
    if ((*x)->best_val_acc != (*y)->best_val_acc) return (*x)->best_val_acc < (*y)->best_val_acc ? 1 : -1;
    return (*x)->id < (*y)->id ? -1 : (*x)->id > (*y)->id;
}

static void print_summary(struct sweep *sw, double wall)
{
    const struct fc_sweep_row **order = NULL;
    long i, n = 0;
    update_best(sw);
    order = malloc((size_t)sw->ntrials * sizeof *order);
    if (!order) return;
    for (i = 0; i < sw->ntrials; i++) {
        const struct fc_sweep_row *r = &sw->rec.rows[i];
        if (strcmp(r->status, "ok") == 0 || strcmp(r->status, "diverged") == 0) order[n++] = r;
    }
    qsort(order, (size_t)n, sizeof *order, cmp_rows);
    fc_log(FC_LOG_INFO, "\ntop %ld of %ld trials (%s):\n", n < 5 ? n : 5, sw->ntrials, sw->rec.metric);
    fc_log(FC_LOG_INFO, "  %4s %6s %9s %6s %8s %-8s %s\n", "#", "trial", "best_val", "epochs", "seconds", "status",
           "config");
    for (i = 0; i < n && i < 5; i++)
        fc_log(FC_LOG_INFO, "  %4ld %6ld %9.4f %6d %8.1f %-8s %s\n", i + 1, order[i]->id, order[i]->best_val_acc,
               order[i]->epochs_run, order[i]->seconds, order[i]->status, sw->trials[order[i]->id].brief);
    if (sw->rec.best_trial >= 0)
        fc_log(FC_LOG_INFO, "best trial %ld: val %.4f: %s/%s\n", sw->rec.best_trial,
               sw->rec.rows[sw->rec.best_trial].best_val_acc, sw->out_dir, sw->rec.rows[sw->rec.best_trial].file);
    fc_log(FC_LOG_INFO, "sweep: %ld trials this run in %.1f s on %d ranks (%.2f trials/min); %ld of %ld done; sweep file %s\n",
           sw->done_session, wall, sw->size, wall > 0 ? 60.0 * (double)sw->done_session / wall : 0.0,
           sw->done_total, sw->ntrials, sw->sweep_path);
    fc_log(FC_LOG_INFO, "coordinator thread: %.3f s CPU in %.1f s (%.2f%% of a core)\n", sw->coord_cpu, wall,
           wall > 0 ? 100.0 * sw->coord_cpu / wall : 0.0);
    free(order);
}

/* Messages of a rank held back until we know whether rank 0 said the same. */
struct logbuf {
    char text[2048];
};

static void hold_sink(enum fc_log_level level, const char *msg, void *user)
{
    struct logbuf *b = user;
    size_t used = strlen(b->text);
    if (level > FC_LOG_WARN) return;
    snprintf(b->text + used, sizeof b->text - used, "%s", msg);
}

/* Every rank gets rank 0's status. */
static enum fc_status bcast_status(enum fc_status st)
{
    int v = (int)st;
    MPI_CHECK(MPI_Bcast(&v, 1, MPI_INT, 0, MPI_COMM_WORLD));
    return (enum fc_status)v;
}

/* Every rank's peak RSS and CPU time (user + system), printed by rank 0, one line each. */
static void report_usage(const struct sweep *sw)
{
    struct rusage ru;
    double mine[2] = {0, 0}, *all = NULL; /* MB, CPU seconds */
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        mine[0] = (double)ru.ru_maxrss / 1024.0;
        mine[1] = (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
                  (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
    }
    if (sw->rank == 0) all = calloc(2 * (size_t)sw->size, sizeof *all);
    MPI_CHECK(MPI_Gather(mine, 2, MPI_DOUBLE, all, 2, MPI_DOUBLE, 0, MPI_COMM_WORLD));
    if (sw->rank != 0 || !all) {
        free(all);
        return;
    }
    for (int k = 0; k < 2; k++) {
        char line[1024] = "";
        size_t used = 0;
        for (int i = 0; i < sw->size && used < sizeof line - 32; i++)
            used += (size_t)snprintf(line + used, sizeof line - used, k ? "%s%d: %.1f" : "%s%d: %.0f MB",
                                     i ? ", " : "", i, all[2 * i + k]);
        fc_log(FC_LOG_INFO, "%s per rank: %s\n", k ? "CPU seconds" : "peak RSS", line);
    }
    free(all);
}

enum fc_status fc_sweep_run(const struct fc_sweep_opts *o)
{
    struct sweep *sw = NULL;
    enum fc_status st = FC_OK;
    int64_t n = 0;
    int thread_started = 0, locks = 0;
    pthread_t thread;
    double t0 = fc_clock_seconds();

    sw = calloc(1, sizeof *sw);
    if (!sw) {
        fc_log(FC_LOG_ERROR, "out of memory\n");
        /* every rank must still take part in the broadcasts: abort is the honest answer */
        MPI_Abort(MPI_COMM_WORLD, 1);
        return FC_STATUS_NOMEM;
    }
    sw->o = o;
    sw->lock_fd = -1;
    MPI_CHECK(MPI_Comm_rank(MPI_COMM_WORLD, &sw->rank));
    MPI_CHECK(MPI_Comm_size(MPI_COMM_WORLD, &sw->size));
    pthread_mutex_init(&sw->h5_lock, NULL);
    pthread_mutex_init(&sw->mu, NULL);
    pthread_cond_init(&sw->cv, NULL);
    pthread_cond_init(&sw->wake, NULL);
    locks = 1;

    /* 1. rank 0 reads and expands the spec; the verdict and the trials go to every rank */
    if (sw->rank == 0) st = load_spec(sw);
    st = bcast_status(st);
    if (st != FC_OK) goto cleanup;
    if (sw->rank == 0) n = sw->ntrials;
    MPI_CHECK(MPI_Bcast(&n, 1, MPI_INT64_T, 0, MPI_COMM_WORLD));
    if (sw->rank != 0) {
        sw->ntrials = (long)n;
        sw->trials = calloc((size_t)n, sizeof *sw->trials);
        if (!sw->trials) MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_CHECK(MPI_Bcast(sw->trials, (int)((size_t)n * sizeof *sw->trials), MPI_BYTE, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Bcast(sw->out_dir, (int)sizeof sw->out_dir, MPI_CHAR, 0, MPI_COMM_WORLD));
    MPI_CHECK(MPI_Bcast(sw->name, (int)sizeof sw->name, MPI_CHAR, 0, MPI_COMM_WORLD));
    snprintf(sw->sweep_path, sizeof sw->sweep_path, "%s/sweep.h5", sw->out_dir);

    if (o->dry_run) {
        if (sw->rank == 0) print_trials(sw);
        goto cleanup;
    }

    /* 2. rank 0 prepares the results folder (resume: which trials are done) */
    if (sw->rank == 0) st = prepare_results(sw);
    st = bcast_status(st);
    if (st != FC_OK) goto cleanup;

    /* 3. every rank loads the data once; all stop if one cannot */
    {
        const struct fc_config *c = &sw->trials[0].config;
        int mine, worst = 0;
        if (sw->rank == 0)
            fc_log(FC_LOG_INFO, "%s: %ld trials (%ld done) on %d ranks; data %s (%d train, %d val); results %s\n",
                   sw->name, sw->ntrials, sw->done_total, sw->size, o->data_dir, c->num_train, c->num_val,
                   sw->out_dir);
        struct logbuf held;
        memset(&held, 0, sizeof held);
        /* ranks > 0 hold their messages back: the same error from every rank is said once */
        if (sw->rank != 0) fc_log_set_sink(hold_sink, &held);
        st = fc_cifar_load(&sw->ds, o->data_dir, c->num_train, c->num_val, c->num_test);
        if (sw->rank != 0) fc_log_set_sink(NULL, NULL);
        sw->ds_loaded = st == FC_OK;
        mine = (int)st;
        MPI_CHECK(MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD));
        if (worst != FC_OK) {
            int root_failed = sw->rank == 0 ? st != FC_OK : 0;
            MPI_CHECK(MPI_Bcast(&root_failed, 1, MPI_INT, 0, MPI_COMM_WORLD));
            if (sw->rank != 0 && !root_failed && held.text[0]) fc_log(FC_LOG_ERROR, "rank %d: %s", sw->rank, held.text);
            st = (enum fc_status)worst;
            goto cleanup;
        }
    }

    /* 4. train */
    if (sw->rank == 0) {
        sw->t_start = fc_clock_seconds();
        if (o->local_trainer) {
            if (pthread_create(&thread, NULL, local_trainer, sw) == 0) {
                thread_started = 1;
            } else {
                fc_log(FC_LOG_WARN, "cannot start rank 0's trainer thread; rank 0 only coordinates\n");
            }
        }
        if (sw->size == 1 && !thread_started) {
            fc_log(FC_LOG_ERROR, "one rank without a trainer thread cannot train; run with more ranks\n");
            st = FC_STATUS_INTERNAL;
        } else {
            coordinate(sw, thread_started);
        }
        if (thread_started) pthread_join(thread, NULL);
        write_sweep_file(sw);
        print_summary(sw, fc_clock_seconds() - sw->t_start);
        if (st == FC_OK && sw->done_total < sw->ntrials)
            st = sw->stopping ? FC_STATUS_INTERRUPTED : sw->failed > 0 ? FC_STATUS_IO : st;
    } else {
        worker_loop(sw);
    }
    { /* ranks out of trials wait here for the last ones, asleep (see wait_quietly) */
        MPI_Request req;
        MPI_CHECK(MPI_Ibarrier(MPI_COMM_WORLD, &req));
        wait_quietly(&req, 10000);
    }
    report_usage(sw);
    if (sw->rank == 0 && st == FC_STATUS_INTERRUPTED)
        fc_log(FC_LOG_INFO, "interrupted: %ld of %ld trials done; resume with:\n  %s\n", sw->done_total,
               sw->ntrials, o->resume_hint ? o->resume_hint : "the same command");
    if (sw->rank == 0 && st == FC_STATUS_IO && sw->failed > 0)
        fc_log(FC_LOG_ERROR, "%ld trials failed (see above); rerun the same command to retry them\n", sw->failed);
    st = bcast_status(st);
    if (sw->rank == 0) fc_log(FC_LOG_DEBUG, "sweep total wall %.1f s\n", fc_clock_seconds() - t0);
cleanup:
    if (sw->ds_loaded) fc_dataset_free(&sw->ds);
    if (sw->lock_fd >= 0) close(sw->lock_fd);
    free(sw->trials);
    free(sw->state);
    fc_sweep_record_free(&sw->rec);
    fc_spec_free(&sw->spec);
    if (locks) {
        pthread_mutex_destroy(&sw->h5_lock);
        pthread_mutex_destroy(&sw->mu);
        pthread_cond_destroy(&sw->cv);
        pthread_cond_destroy(&sw->wake);
    }
    free(sw);
    return st;
}
