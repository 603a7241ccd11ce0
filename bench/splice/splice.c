// A bare zero-copy recording forwarder for Linux, issue 37's prototype: each direction of a
// TCP connection is spliced from its socket into a pipe, tee'd into a second pipe, spliced
// from the first pipe to the other socket and from the second into one capture file, so no
// payload byte is copied through user space. Per direction, one blocking thread forwards and
// a second records (the forwarding thread queues (offset, length) to it through a third
// pipe): with one thread doing both, forwarding stopped during every page-cache write, and
// bulk on a loaded machine fell from 490-700 to 235-490 MiB/s. Node's event loop only
// accepts, connects and hands the two fds over (forward()).
//
// Capture file: the 8 bytes "SPLCAP01", then records of a 24-byte little-endian header
//   u8 kind (1 data, 2 fin, 3 reset), u8 direction (0 client->server, 1 server->client),
//   u16 0, u32 connection id, u32 payload length, u32 0, u64 CLOCK_REALTIME ns
// followed by the payload (data records only). One data record per splice from the socket,
// stamped when that splice returned: a record holds what the socket had queued, up to the
// pipe's size. Records are placed by an atomic offset reservation and written with pwrite
// and splice at that offset, so threads never wait on each other for the file.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <node_api.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { KIND_DATA = 1, KIND_FIN = 2, KIND_RESET = 3 };
#define HEADER_SIZE 24
#define FILE_MAGIC "SPLCAP01"

struct conn;
// A connection's threads: leg[d] forwards fd[d] -> fd[1 - d]; each starts its own recorder.
struct leg {
  struct conn *c;
  int d; // reads fd[d], writes fd[1 - d]
  pthread_t thread;
};
struct conn {
  int fd[2]; // 0: client, 1: upstream; closed once, by the last thread out
  uint32_t id;
  atomic_int legs;  // threads still running: two legs and their two recorders
  atomic_int reset; // set once, by whichever leg (or stop) aborts first
  struct leg leg[2];
  struct conn *prev, *next;
};

static int cap_fd = -1;
static _Atomic uint64_t cap_off;
static int pipe_size = 1 << 16;
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conn *live_head;
static atomic_int live_count;
static _Atomic uint64_t st_conns, st_bytes[2], st_splices[2], st_resets, st_fins, st_errors;
static pthread_mutex_t error_lock = PTHREAD_MUTEX_INITIALIZER;
static char last_error[160];

static void note_error(const char *what, int err) {
  atomic_fetch_add(&st_errors, 1);
  pthread_mutex_lock(&error_lock);
  snprintf(last_error, sizeof last_error, "%s: %s", what, strerror(err));
  pthread_mutex_unlock(&error_lock);
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put_header(uint8_t *h, int kind, int d, uint32_t id, uint32_t len, uint64_t ts) {
  memset(h, 0, HEADER_SIZE);
  h[0] = (uint8_t)kind;
  h[1] = (uint8_t)d;
  memcpy(h + 4, &id, 4); // the machines this runs on are little-endian (x86-64, arm64)
  memcpy(h + 8, &len, 4);
  memcpy(h + 16, &ts, 8);
}

static int pwrite_all(const uint8_t *buf, size_t len, uint64_t off) {
  while (len > 0) {
    ssize_t n = pwrite(cap_fd, buf, len, (off_t)off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    buf += n, len -= (size_t)n, off += (uint64_t)n;
  }
  return 0;
}

static int record_mark(int kind, int d, uint32_t id) {
  uint8_t h[HEADER_SIZE];
  put_header(h, kind, d, id, 0, now_ns());
  return pwrite_all(h, HEADER_SIZE, atomic_fetch_add(&cap_off, HEADER_SIZE));
}

static void set_linger0(int fd) {
  struct linger l = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

// RST, not FIN, towards the healthy side: the other side reset (or stop() aborts), and a
// FIN would tell the healthy peer the stream ended cleanly. SHUT_RD sends nothing on Linux
// but wakes the other leg's blocking read; closing with linger 0 then sends the reset.
static void abort_conn(struct conn *c, int failed, int recorded_dir) {
  int expected = 0;
  if (!atomic_compare_exchange_strong(&c->reset, &expected, 1)) return;
  atomic_fetch_add(&st_resets, 1);
  if (recorded_dir >= 0 && record_mark(KIND_RESET, recorded_dir, c->id) < 0) note_error("capture write", errno);
  for (int i = 0; i < 2; i++) set_linger0(c->fd[i]);
  shutdown(c->fd[1 - failed], SHUT_RD);
  shutdown(c->fd[failed], SHUT_RDWR);
}

static void leave(struct conn *c) {
  if (atomic_fetch_sub(&c->legs, 1) != 1) return;
  pthread_mutex_lock(&live_lock);
  if (c->prev) c->prev->next = c->next;
  else live_head = c->next;
  if (c->next) c->next->prev = c->prev;
  pthread_mutex_unlock(&live_lock);
  close(c->fd[0]);
  close(c->fd[1]);
  free(c);
  atomic_fetch_sub(&live_count, 1);
}

// Moves exactly len bytes out of pipe `from` into `to` (at *off when to is the file). No
// SPLICE_F_MORE: into a socket it acts as MSG_MORE and holds a short reply back up to 200 ms
// (churn fell to 120 connections/s with it).
static int splice_all(int from, int to, loff_t *off, size_t len) {
  while (len > 0) {
    ssize_t n = splice(from, NULL, to, off, len, SPLICE_F_MOVE);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    len -= (size_t)n;
  }
  return 0;
}

// Moves what a leg tee'd into pipe b to the capture file, at the offsets the leg queued on q.
struct recorder {
  struct conn *c;
  int d, b, q; // b and q: the read ends, closed here
};
struct chunk {
  uint64_t pos, len; // 16 bytes: a pipe write below PIPE_BUF is atomic
};

static void *run_recorder(void *arg) {
  struct recorder *r = arg;
  struct chunk m;
  for (;;) {
    ssize_t n = read(r->q, &m, sizeof m);
    if (n < 0 && errno == EINTR) continue;
    if (n != (ssize_t)sizeof m) break;
    loff_t pos = (loff_t)m.pos;
    if (splice_all(r->b, cap_fd, &pos, (size_t)m.len) < 0) {
      note_error("capture splice", errno);
      abort_conn(r->c, r->d, -1);
      break;
    }
  }
  close(r->q);
  close(r->b);
  struct conn *c = r->c;
  free(r);
  leave(c);
  return NULL;
}

static void *run_leg(void *arg) {
  struct leg *l = arg;
  struct conn *c = l->c;
  int d = l->d, src = c->fd[d], dst = c->fd[1 - d];
  int a[2] = {-1, -1}, b[2] = {-1, -1}, q[2] = {-1, -1};
  struct recorder *r = NULL;
  int err = 0;
  if (pipe2(a, O_CLOEXEC) < 0 || pipe2(b, O_CLOEXEC) < 0 || pipe2(q, O_CLOEXEC) < 0) err = errno;
  else if (!(r = malloc(sizeof *r))) err = ENOMEM;
  if (!err) {
    // The recording pipe holds four times the forwarding pipe, so the recorder can fall a
    // few page-cache writes behind before tee() waits for it (the capture's backpressure).
    fcntl(a[1], F_SETPIPE_SZ, pipe_size);
    fcntl(b[1], F_SETPIPE_SZ, pipe_size * 4);
    *r = (struct recorder){c, d, b[0], q[0]};
    pthread_t t;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attr, 64 * 1024);
    err = pthread_create(&t, &attr, run_recorder, r);
    pthread_attr_destroy(&attr);
  }
  if (err) {
    note_error("recorder", err);
    abort_conn(c, d, -1);
    free(r);
    for (int i = 0; i < 2; i++) {
      if (b[i] >= 0) close(b[i]);
      if (q[i] >= 0) close(q[i]);
      b[i] = q[i] = -1;
    }
    leave(c); // for the recorder that never started
    goto out;
  }
  int cap = fcntl(a[1], F_GETPIPE_SZ);
  for (;;) {
    ssize_t n = splice(src, NULL, a[1], NULL, (size_t)cap, SPLICE_F_MOVE);
    if (n < 0 && errno == EINTR) continue;
    if (atomic_load(&c->reset)) break; // woken by the other leg's abort: it recorded the reset
    if (n < 0) {
      abort_conn(c, d, d); // this side reset (or failed): record it, reset the other side
      break;
    }
    if (n == 0) {
      atomic_fetch_add(&st_fins, 1);
      if (record_mark(KIND_FIN, d, c->id) < 0) note_error("capture write", errno);
      shutdown(dst, SHUT_WR); // half-close: the other leg keeps forwarding
      break;
    }
    uint64_t ts = now_ns();
    uint64_t off = atomic_fetch_add(&cap_off, HEADER_SIZE + (uint64_t)n);
    uint8_t h[HEADER_SIZE];
    put_header(h, KIND_DATA, d, c->id, (uint32_t)n, ts);
    if (pwrite_all(h, HEADER_SIZE, off) < 0) {
      note_error("capture write", errno);
      abort_conn(c, d, -1);
      break;
    }
    uint64_t pos = off + HEADER_SIZE;
    size_t left = (size_t)n;
    int failed = 0;
    while (left > 0 && !failed) {
      // tee duplicates what pipe a holds without consuming it; a second tee before a is
      // drained would duplicate the same bytes again, so each tee'd part leaves a first.
      ssize_t t = tee(a[0], b[1], left, 0);
      if (t < 0 && errno == EINTR) continue;
      if (t <= 0) {
        note_error("tee", t < 0 ? errno : EIO);
        abort_conn(c, d, -1);
        failed = 1;
        break;
      }
      if (splice_all(a[0], dst, NULL, (size_t)t) < 0) {
        abort_conn(c, 1 - d, 1 - d); // the destination reset: record it as its direction's reset
        failed = 1;
        break;
      }
      struct chunk m = {pos, (uint64_t)t};
      if (write(q[1], &m, sizeof m) != (ssize_t)sizeof m) {
        note_error("queue", errno);
        abort_conn(c, d, -1);
        failed = 1;
        break;
      }
      pos += (uint64_t)t;
      left -= (size_t)t;
    }
    if (failed) break;
    atomic_fetch_add(&st_bytes[d], (uint64_t)n);
    atomic_fetch_add(&st_splices[d], 1);
  }
out:
  for (int i = 0; i < 2; i++)
    if (a[i] >= 0) close(a[i]);
  if (b[1] >= 0) close(b[1]);
  if (q[1] >= 0) close(q[1]); // the recorder sees the end of its queue and leaves
  leave(c);
  return NULL;
}

// ---- N-API ------------------------------------------------------------------------------

#define CHECK(call)                                                       \
  do {                                                                    \
    if ((call) != napi_ok) {                                              \
      napi_throw_error(env, NULL, "splice addon: " #call " failed");      \
      return NULL;                                                        \
    }                                                                     \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char msg[4400];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, NULL, msg);
  return NULL;
}

// open(path, pipeSize): creates (truncates) the capture file.
static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char path[4096];
  size_t len;
  int32_t ps = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len));
  if (argc > 1) CHECK(napi_get_value_int32(env, argv[1], &ps));
  if (cap_fd >= 0) return throw_errno(env, "open: a capture is already open", EBUSY);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return throw_errno(env, path, errno);
  if (pwrite(fd, FILE_MAGIC, 8, 0) != 8) {
    int e = errno;
    close(fd);
    return throw_errno(env, path, e);
  }
  if (ps > 0) pipe_size = ps;
  cap_off = 8;
  cap_fd = fd;
  return NULL;
}

// forward(clientFd, upstreamFd, id): takes duplicates of both fds (Node closes its own),
// makes them blocking and starts one thread per direction.
static napi_value js_forward(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t fa, fb;
  uint32_t id;
  CHECK(napi_get_value_int32(env, argv[0], &fa));
  CHECK(napi_get_value_int32(env, argv[1], &fb));
  CHECK(napi_get_value_uint32(env, argv[2], &id));
  if (cap_fd < 0) return throw_errno(env, "forward: no capture open", EBADF);
  struct conn *c = calloc(1, sizeof *c);
  if (!c) return throw_errno(env, "forward", ENOMEM);
  c->fd[0] = fcntl(fa, F_DUPFD_CLOEXEC, 0);
  c->fd[1] = c->fd[0] < 0 ? -1 : fcntl(fb, F_DUPFD_CLOEXEC, 0);
  if (c->fd[1] < 0) {
    int e = errno;
    if (c->fd[0] >= 0) close(c->fd[0]);
    free(c);
    return throw_errno(env, "forward: dup", e);
  }
  int one = 1;
  for (int i = 0; i < 2; i++) {
    // O_NONBLOCK belongs to the open file, shared with Node's fd, which Node closes next.
    fcntl(c->fd[i], F_SETFL, fcntl(c->fd[i], F_GETFL) & ~O_NONBLOCK);
    setsockopt(c->fd[i], IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  c->id = id;
  atomic_init(&c->legs, 4);
  atomic_init(&c->reset, 0);
  pthread_mutex_lock(&live_lock);
  c->next = live_head;
  if (live_head) live_head->prev = c;
  live_head = c;
  pthread_mutex_unlock(&live_lock);
  atomic_fetch_add(&live_count, 1);
  atomic_fetch_add(&st_conns, 1);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_attr_setstacksize(&attr, 64 * 1024);
  // The legs block every signal, so Node's handlers (SIGTERM, SIGINT) always run on its own thread.
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int started = 0, err = 0;
  for (int d = 0; d < 2; d++) {
    c->leg[d].c = c;
    c->leg[d].d = d;
    err = pthread_create(&c->leg[d].thread, &attr, run_leg, &c->leg[d]);
    if (err) break;
    started++;
  }
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (started < 2) {
    note_error("pthread_create", err);
    abort_conn(c, 0, -1);
    // The legs (and recorders) that never started leave here, so the fds are still closed exactly once.
    for (int d = started; d < 2; d++) {
      leave(c);
      leave(c);
    }
  }
  return NULL;
}

static napi_value num(napi_env env, double v) {
  napi_value r;
  napi_create_double(env, v, &r);
  return r;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value o;
  CHECK(napi_create_object(env, &o));
  napi_set_named_property(env, o, "live", num(env, atomic_load(&live_count)));
  napi_set_named_property(env, o, "connections", num(env, (double)atomic_load(&st_conns)));
  napi_set_named_property(env, o, "clientBytes", num(env, (double)atomic_load(&st_bytes[0])));
  napi_set_named_property(env, o, "serverBytes", num(env, (double)atomic_load(&st_bytes[1])));
  napi_set_named_property(env, o, "clientSplices", num(env, (double)atomic_load(&st_splices[0])));
  napi_set_named_property(env, o, "serverSplices", num(env, (double)atomic_load(&st_splices[1])));
  napi_set_named_property(env, o, "fins", num(env, (double)atomic_load(&st_fins)));
  napi_set_named_property(env, o, "resets", num(env, (double)atomic_load(&st_resets)));
  napi_set_named_property(env, o, "errors", num(env, (double)atomic_load(&st_errors)));
  napi_set_named_property(env, o, "captureBytes", num(env, (double)atomic_load(&cap_off)));
  pthread_mutex_lock(&error_lock);
  napi_value e;
  napi_create_string_utf8(env, last_error, NAPI_AUTO_LENGTH, &e);
  pthread_mutex_unlock(&error_lock);
  napi_set_named_property(env, o, "lastError", e);
  return o;
}

// abortAll(): resets every live connection (the forwarder is stopping); the legs leave soon after.
static napi_value js_abort_all(napi_env env, napi_callback_info info) {
  (void)env, (void)info;
  pthread_mutex_lock(&live_lock);
  for (struct conn *c = live_head; c; c = c->next) {
    int expected = 0;
    if (!atomic_compare_exchange_strong(&c->reset, &expected, 1)) continue;
    atomic_fetch_add(&st_resets, 1);
    if (record_mark(KIND_RESET, 0, c->id) < 0) note_error("capture write", errno);
    for (int i = 0; i < 2; i++) {
      set_linger0(c->fd[i]);
      shutdown(c->fd[i], SHUT_RDWR);
    }
  }
  pthread_mutex_unlock(&live_lock);
  return NULL;
}

// close(): fsyncs and closes the capture; only once no connection is live.
static napi_value js_close(napi_env env, napi_callback_info info) {
  (void)info;
  if (atomic_load(&live_count) != 0) return throw_errno(env, "close: connections are still live", EBUSY);
  if (cap_fd < 0) return NULL;
  int fd = cap_fd;
  cap_fd = -1;
  int r = fdatasync(fd);
  int e = errno;
  close(fd);
  if (r < 0) return throw_errno(env, "close: fdatasync", e);
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_default, NULL},
      {"forward", NULL, js_forward, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"abortAll", NULL, js_abort_all, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
