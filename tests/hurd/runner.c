/* runner.c: the test suite a booted GNU/Hurd runs in place of runsystem
 * (conformance/hurd-boot installs it as /usr/libexec/runsystem).
 *
 * startup runs it through console-run as the first user program, with the
 * console on its standard streams.  It checks what a small system does
 * through glibc's and the Hurd's RPC stubs: files on the root ext2fs,
 * pipes and Unix sockets (pflocal), fork, exec and wait, signals (glibc's
 * msgport server), select, a file mapped and read back (ext2fs's pager),
 * a translator set and read back, proc and auth queries, and fsx on ext2fs;
 * with a swap disk (the page-list device of conformance/hurd-boot's disk
 * server), the default pager paging to it while fsx runs on tmpfs.
 * Each line it writes starts with "@@ ": "@@ ok WHAT", "@@ not ok WHAT",
 * "@@ # DIAGNOSTIC", then "@@ summary" and "@@ end"; then it halts the
 * system.
 *
 * Settings come from /etc/hurd-suite.conf, written by the host: lines
 * "fsx_ops N", "fsx_seed N", "only NAME[,NAME...]", "swap DEVICE",
 * "swap_extra_mb N" (how far beyond free memory the swap test writes),
 * "tmpfs_tail 1" (the test of a defect that panics GNU Mach: see t_swap).
 * The translators a Debian system records as passive ones
 * (/servers/socket/1) are set here, as passive translators, since the
 * host cannot record them in the image.
 *
 * The same program (argv[1] a "--child-..." word) is what the exec test
 * runs. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <device/device.h>
#include <hurd.h>
#include <hurd/fs.h>
#include <hurd/paths.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int npoints, nfailed;
static char only[256];
static long fsx_ops = 10000;
static unsigned long fsx_seed = 1;
static char self[256] = "/usr/libexec/runsystem";
static char swap_device[200];
static long swap_extra_mb = 16;
static int tmpfs_tail;

static void point(int good, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("@@ %sok ", good ? "" : "not ");
    npoints++;
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
    if (!good)
        nfailed++;
}

static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    printf("@@ # ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
    fflush(stdout);
}

/* CHECK(cond, what): one test point; on failure the errno of the moment. */
#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        int check_errno_ = errno;                                           \
        int check_ok_ = !!(cond);                                           \
        point(check_ok_, __VA_ARGS__);                                      \
        if (!check_ok_)                                                     \
            diag("%s:%d: %s (errno %d: %s)", __FILE__, __LINE__, #cond,     \
                 check_errno_, strerror(check_errno_));                     \
    } while (0)

static int wanted(const char *group)
{
    if (!only[0])
        return 1;
    size_t n = strlen(group);
    for (const char *p = only; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, group, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static void read_conf(void)
{
    FILE *f = fopen("/etc/hurd-suite.conf", "r");
    if (!f)
        return;
    char line[300], key[40], val[200];
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "%39s %199s", key, val) == 2) {
            if (strcmp(key, "fsx_ops") == 0)
                fsx_ops = strtol(val, NULL, 10);
            else if (strcmp(key, "fsx_seed") == 0)
                fsx_seed = strtoul(val, NULL, 10);
            else if (strcmp(key, "only") == 0)
                snprintf(only, sizeof only, "%s", val);
            else if (strcmp(key, "swap") == 0)
                snprintf(swap_device, sizeof swap_device, "%s", val);
            else if (strcmp(key, "swap_extra_mb") == 0)
                swap_extra_mb = strtol(val, NULL, 10);
            else if (strcmp(key, "tmpfs_tail") == 0)
                tmpfs_tail = atoi(val);
        }
    fclose(f);
}

/* A passive translator on NAME (created if need be): ARGZ, LEN bytes. */
static error_t set_passive(const char *name, const char *argz, size_t len)
{
    int fd = open(name, O_CREAT | O_RDONLY, 0666);
    if (fd >= 0)
        close(fd);
    file_t node = file_name_lookup(name, O_NOTRANS, 0);
    if (node == MACH_PORT_NULL)
        return errno;
    error_t err = file_set_translator(node, FS_TRANS_SET, FS_TRANS_SET, 0, argz, len,
                                      MACH_PORT_NULL, MACH_MSG_TYPE_COPY_SEND);
    mach_port_deallocate(mach_task_self(), node);
    return err;
}

/* ---------------------------------------------------------------- files */
static int write_all(int fd, const void *buf, size_t n)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t k = write(fd, p, n);
        if (k <= 0)
            return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void t_files(void)
{
    const char *d = "/tmp/suite";
    char buf[256];
    struct stat st;
    CHECK(mkdir(d, 0755) == 0 || errno == EEXIST, "files: mkdir %s", d);
    int fd = open("/tmp/suite/a", O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0, "files: create /tmp/suite/a");
    static const char text[] = "the quick brown fox jumps over the lazy dog\n";
    CHECK(write_all(fd, text, sizeof text - 1) == 0, "files: write %zu bytes", sizeof text - 1);
    CHECK(lseek(fd, 0, SEEK_SET) == 0 && read(fd, buf, sizeof buf) == (ssize_t)(sizeof text - 1) &&
              memcmp(buf, text, sizeof text - 1) == 0,
          "files: read back what was written");
    CHECK(close(fd) == 0, "files: close");
    CHECK(rename("/tmp/suite/a", "/tmp/suite/b") == 0 && access("/tmp/suite/a", F_OK) != 0 &&
              access("/tmp/suite/b", F_OK) == 0,
          "files: rename");
    CHECK(stat("/tmp/suite/b", &st) == 0 && st.st_size == (off_t)(sizeof text - 1) && S_ISREG(st.st_mode),
          "files: stat: size %lld, a regular file", (long long)st.st_size);
    CHECK(chmod("/tmp/suite/b", 0600) == 0 && stat("/tmp/suite/b", &st) == 0 && (st.st_mode & 07777) == 0600,
          "files: chmod 0600");
    CHECK(symlink("b", "/tmp/suite/s") == 0, "files: symlink");
    ssize_t n = readlink("/tmp/suite/s", buf, sizeof buf - 1);
    CHECK(n == 1 && buf[0] == 'b', "files: readlink");
    CHECK(link("/tmp/suite/b", "/tmp/suite/h") == 0 && stat("/tmp/suite/b", &st) == 0 && st.st_nlink == 2,
          "files: hard link (2 links)");
    CHECK(truncate("/tmp/suite/h", 9) == 0 && stat("/tmp/suite/b", &st) == 0 && st.st_size == 9,
          "files: truncate through the other link");
    fd = open("/tmp/suite/s", O_RDONLY);
    CHECK(fd >= 0 && read(fd, buf, sizeof buf) == 9 && memcmp(buf, text, 9) == 0,
          "files: read through the symlink");
    if (fd >= 0)
        close(fd);
    CHECK(mkdir("/tmp/suite/sub", 0755) == 0, "files: mkdir a subdirectory");
    DIR *dir = opendir(d);
    int seen = 0;
    if (dir) {
        struct dirent *e;
        while ((e = readdir(dir)))
            if (strcmp(e->d_name, "b") == 0 || strcmp(e->d_name, "s") == 0 || strcmp(e->d_name, "h") == 0 ||
                strcmp(e->d_name, "sub") == 0)
                seen++;
        closedir(dir);
    }
    CHECK(seen == 4, "files: readdir sees the 4 entries (%d)", seen);
    CHECK(rmdir("/tmp/suite/sub") == 0 && unlink("/tmp/suite/s") == 0 && unlink("/tmp/suite/h") == 0 &&
              unlink("/tmp/suite/b") == 0,
          "files: unlink and rmdir");
    CHECK(rmdir(d) == 0, "files: the directory is empty again");
}

/* ------------------------------------------------------- pipes, sockets */
static void t_pipes(void)
{
    int p[2];
    char buf[64];
    CHECK(pipe(p) == 0, "pipes: pipe");
    CHECK(write(p[1], "ping", 4) == 4 && read(p[0], buf, sizeof buf) == 4 && memcmp(buf, "ping", 4) == 0,
          "pipes: a write comes out at the other end");
    close(p[1]);
    CHECK(read(p[0], buf, sizeof buf) == 0, "pipes: end of file once the writer is closed");
    close(p[0]);

    int s[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, s) == 0, "sockets: socketpair(AF_UNIX, SOCK_STREAM)");
    CHECK(send(s[0], "hello", 5, 0) == 5 && recv(s[1], buf, sizeof buf, 0) == 5 && memcmp(buf, "hello", 5) == 0,
          "sockets: send one way");
    CHECK(send(s[1], "world!", 6, 0) == 6 && recv(s[0], buf, sizeof buf, 0) == 6 && memcmp(buf, "world!", 6) == 0,
          "sockets: and the other");
    close(s[0]);
    close(s[1]);
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s) == 0, "sockets: socketpair(AF_UNIX, SOCK_DGRAM)");
    CHECK(send(s[0], "a", 1, 0) == 1 && send(s[0], "bc", 2, 0) == 2 && recv(s[1], buf, sizeof buf, 0) == 1 &&
              recv(s[1], buf, sizeof buf, 0) == 2,
          "sockets: datagrams keep their bounds");
    close(s[0]);
    close(s[1]);
}

/* -------------------------------------------------------- select, time */
static void t_select(void)
{
    int p[2];
    if (pipe(p) != 0) {
        CHECK(0, "select: pipe");
        return;
    }
    fd_set r;
    struct timeval tv = { 0, 20000 };
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 0, "select: an empty pipe is not readable (20 ms)");
    CHECK(write(p[1], "x", 1) == 1, "select: write one byte");
    FD_ZERO(&r);
    FD_SET(p[0], &r);
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    CHECK(select(p[0] + 1, &r, NULL, NULL, &tv) == 1 && FD_ISSET(p[0], &r), "select: now it is");
    fd_set w;
    FD_ZERO(&w);
    FD_SET(p[1], &w);
    tv.tv_sec = 5;
    CHECK(select(p[1] + 1, NULL, &w, NULL, &tv) == 1, "select: the write end is writable");
    close(p[0]);
    close(p[1]);
}

/* ------------------------------------------------- fork, exec, signals */
static volatile sig_atomic_t got_usr1;
static void on_usr1(int sig)
{
    (void)sig;
    got_usr1++;
}

static void t_processes(void)
{
    pid_t me = getpid();
    int st = -1;
    int p[2];
    CHECK(pipe(p) == 0, "fork: a pipe for the child's answers");
    pid_t c = fork();
    if (c == 0) {
        pid_t pp = getppid();
        char msg[64];
        int n = snprintf(msg, sizeof msg, "%d %d", (int)getpid(), (int)pp);
        ssize_t unused = write(p[1], msg, (size_t)n);
        (void)unused;
        _exit(42);
    }
    CHECK(c > 0, "fork: a child");
    close(p[1]);
    char buf[64] = "";
    ssize_t n = read(p[0], buf, sizeof buf - 1);
    close(p[0]);
    int cpid = 0, cppid = 0;
    if (n > 0)
        sscanf(buf, "%d %d", &cpid, &cppid);
    CHECK(cpid == c && cppid == me, "proc: the child knows its pid (%d) and its parent's (%d of %d)", cpid, cppid,
          (int)me);
    CHECK(waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 42, "wait: exit status 42 (%#x)", st);

    c = fork();
    if (c == 0) {
        execl(self, "runner", "--child-exit", "7", (char *)NULL);
        _exit(99);
    }
    CHECK(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 7,
          "exec: the child ran %s and exited 7 (%#x)", self, st);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr1;
    sigemptyset(&sa.sa_mask);
    CHECK(sigaction(SIGUSR1, &sa, NULL) == 0, "signals: sigaction SIGUSR1");
    CHECK(raise(SIGUSR1) == 0 && got_usr1 == 1, "signals: a signal to self is caught (%d)", (int)got_usr1);
    CHECK(kill(me, SIGUSR1) == 0 && got_usr1 == 2, "signals: kill(getpid()) is caught (%d)", (int)got_usr1);

    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, &old);
    kill(me, SIGUSR1);
    int pending = 0;
    sigset_t pend;
    if (sigpending(&pend) == 0)
        pending = sigismember(&pend, SIGUSR1);
    CHECK(pending == 1 && got_usr1 == 2, "signals: a blocked signal is pending, not delivered");
    sigprocmask(SIG_SETMASK, &old, NULL);
    CHECK(got_usr1 == 3, "signals: delivered once unblocked (%d)", (int)got_usr1);

    c = fork();
    if (c == 0) {
        for (;;)
            pause();
    }
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    CHECK(c > 0 && kill(c, SIGTERM) == 0, "signals: SIGTERM to a child");
    CHECK(waitpid(c, &st, 0) == c && WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM,
          "signals: the child died of SIGTERM (%#x)", st);

    c = fork();
    if (c == 0) {
        execl(self, "runner", "--child-signal", (char *)NULL);
        _exit(99);
    }
    CHECK(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "signals: an exec'd child catches a SIGUSR2 it sends itself (%#x)", st);

    CHECK(getpgrp() > 0 && getsid(0) > 0, "proc: getpgrp %d, getsid %d", (int)getpgrp(), (int)getsid(0));
}

/* The exec'd child of a signal test: a new program image catches SIGUSR2
 * sent by kill() to its own pid (proc finds its msgport, glibc's msg
 * server takes the signal). */
static volatile sig_atomic_t got_usr2;
static void on_usr2(int sig)
{
    (void)sig;
    got_usr2++;
}

static int child_signal(void)
{
    signal(SIGUSR2, on_usr2);
    if (kill(getpid(), SIGUSR2) != 0)
        return 2;
    return got_usr2 == 1 ? 0 : 3;
}

/* ---------------------------------------------------------- ids (auth) */
static void t_ids(void)
{
    CHECK(getuid() == 0 && geteuid() == 0 && getgid() == 0, "auth: started as root (uid %d, euid %d, gid %d)",
          (int)getuid(), (int)geteuid(), (int)getgid());
    int st = -1;
    pid_t c = fork();
    if (c == 0) {
        if (setgid(100) != 0 || getgid() != 100)
            _exit(1);
        if (setuid(1000) != 0 || getuid() != 1000 || geteuid() != 1000)
            _exit(2);
        if (setuid(0) == 0)   /* no way back */
            _exit(3);
        if (access("/tmp", W_OK) != 0)   /* /tmp is world-writable */
            _exit(4);
        _exit(0);
    }
    CHECK(c > 0 && waitpid(c, &st, 0) == c && WIFEXITED(st) && WEXITSTATUS(st) == 0,
          "auth: a child becomes uid 1000 gid 100 and cannot become root again (status %#x)", st);
}

/* -------------------------------------------------------------- mmap */
static void t_mmap(void)
{
    const char *name = "/tmp/mapped";
    size_t len = 3 * 4096 + 100;
    unsigned char *want = malloc(len);
    for (size_t i = 0; i < len; i++)
        want[i] = (unsigned char)(i * 7 + 3);
    int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
    CHECK(fd >= 0 && write_all(fd, want, len) == 0, "mmap: a file of %zu bytes written", len);
    unsigned char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    CHECK(m != MAP_FAILED, "mmap: mapped shared");
    if (m == MAP_FAILED) {
        close(fd);
        free(want);
        return;
    }
    CHECK(memcmp(m, want, len) == 0, "mmap: the mapping reads what write() wrote (ext2fs's pager)");
    for (size_t i = 0; i < len; i += 513)
        m[i] ^= 0xff, want[i] ^= 0xff;
    CHECK(msync(m, len, MS_SYNC) == 0, "mmap: msync");
    int fd2 = open(name, O_RDONLY);
    unsigned char *got = malloc(len);
    CHECK(fd2 >= 0 && read(fd2, got, len) == (ssize_t)len && memcmp(got, want, len) == 0,
          "mmap: stores through the mapping are read back through another descriptor");
    munmap(m, len);
    close(fd);
    if (fd2 >= 0)
        close(fd2);
    unlink(name);
    free(want);
    free(got);
}

/* -------------------------------------------------------- translators */
static void t_translator(void)
{
    static const char argz[] = "/hurd/null";
    error_t err = set_passive("/tmp/nul", argz, sizeof argz);
    CHECK(err == 0, "translator: passive /hurd/null set on /tmp/nul (%s)", strerror(err));
    file_t node = file_name_lookup("/tmp/nul", O_NOTRANS, 0);
    char buf[64], *p = buf;
    mach_msg_type_number_t n = sizeof buf;
    err = node == MACH_PORT_NULL ? errno : file_get_translator(node, &p, &n);
    CHECK(err == 0 && n == sizeof argz && memcmp(p, argz, n) == 0, "translator: read back (%u bytes)", (unsigned)n);
    if (node != MACH_PORT_NULL)
        mach_port_deallocate(mach_task_self(), node);
    int fd = open("/tmp/nul", O_RDWR);
    CHECK(fd >= 0, "translator: opened, which starts /hurd/null");
    struct stat st;
    CHECK(fd >= 0 && write(fd, buf, 40) == 40 && read(fd, buf, sizeof buf) == 0,
          "translator: writes vanish, reads see end of file");
    CHECK(fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode), "translator: a character device (mode %o)",
          (unsigned)st.st_mode);
    if (fd >= 0)
        close(fd);
}

/* ------------------------------------------------------------------ fsx */
static uint64_t rng_state;
static unsigned long rnd(void)
{
    rng_state = rng_state * 6364136223846793005u + 1442695040888963407u;
    return (unsigned long)(rng_state >> 33);
}

/* Random reads, writes, mapped reads and writes and truncates on NAME,
 * checked against a copy in memory; returns the number of bad bytes.
 * The file stays below MAXLEN bytes; truncations are to multiples of
 * TRUNC_ALIGN (1: any size). */
static long fsx(const char *name, long ops, unsigned long seed, size_t maxlen, size_t trunc_align, long *done)
{
    unsigned char *shadow = calloc(maxlen, 1), *buf = malloc(maxlen);
    size_t size = 0;
    long bad = 0;
    rng_state = seed;
    int fd = open(name, O_CREAT | O_TRUNC | O_RDWR, 0644);
    if (fd < 0)
        return -1;
    long i;
    for (i = 0; i < ops && bad == 0; i++) {
        size_t off = rnd() % maxlen, len = 1 + rnd() % 16384;
        if (off + len > maxlen)
            len = maxlen - off;
        switch (rnd() % 6) {
        case 0: /* write */
        case 1:
            for (size_t k = 0; k < len; k++)
                buf[k] = (unsigned char)rnd();
            if (pwrite(fd, buf, len, (off_t)off) != (ssize_t)len) {
                diag("fsx %s: op %ld: pwrite %zu at %zu: %s", name, i, len, off, strerror(errno));
                bad++;
                break;
            }
            if (off > size)
                memset(shadow + size, 0, off - size);
            memcpy(shadow + off, buf, len);
            if (off + len > size)
                size = off + len;
            break;
        case 2: { /* read */
            if (size == 0)
                break;
            off %= size;
            if (off + len > size)
                len = size - off;
            ssize_t k = pread(fd, buf, len, (off_t)off);
            if (k != (ssize_t)len) {
                diag("fsx %s: op %ld: pread %zu at %zu gave %zd", name, i, len, off, k);
                bad++;
                break;
            }
            for (size_t j = 0; j < len; j++)
                if (buf[j] != shadow[off + j]) {
                    if (bad++ == 0)
                        diag("fsx %s: op %ld: byte %zu is %#x, not %#x", name, i, off + j, buf[j], shadow[off + j]);
                }
            break;
        }
        case 3: { /* mapped read */
            if (size == 0)
                break;
            unsigned char *m = mmap(NULL, size, PROT_READ, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) {
                diag("fsx %s: op %ld: mmap %zu: %s", name, i, size, strerror(errno));
                bad++;
                break;
            }
            off %= size;
            if (off + len > size)
                len = size - off;
            for (size_t j = 0; j < len; j++)
                if (m[off + j] != shadow[off + j]) {
                    if (bad++ == 0)
                        diag("fsx %s: op %ld: mapped byte %zu is %#x, not %#x", name, i, off + j, m[off + j],
                             shadow[off + j]);
                }
            munmap(m, size);
            break;
        }
        case 4: { /* mapped write, within the file */
            if (size == 0)
                break;
            off %= size;
            if (off + len > size)
                len = size - off;
            unsigned char *m = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
            if (m == MAP_FAILED) {
                diag("fsx %s: op %ld: mmap rw %zu: %s", name, i, size, strerror(errno));
                bad++;
                break;
            }
            for (size_t j = 0; j < len; j++)
                m[off + j] = shadow[off + j] = (unsigned char)rnd();
            msync(m, size, MS_SYNC);
            munmap(m, size);
            break;
        }
        case 5: /* truncate */
            off -= off % trunc_align;
            if (ftruncate(fd, (off_t)off) != 0) {
                diag("fsx %s: op %ld: ftruncate %zu: %s", name, i, off, strerror(errno));
                bad++;
                break;
            }
            if (off > size)
                memset(shadow + size, 0, off - size);
            size = off;
            break;
        }
    }
    *done = i;
    struct stat st;
    if (fstat(fd, &st) != 0 || (size_t)st.st_size != size) {
        diag("fsx %s: the file is %lld bytes, not %zu", name, (long long)st.st_size, size);
        bad++;
    }
    close(fd);
    unlink(name);
    free(shadow);
    free(buf);
    return bad;
}

static void t_fsx(void)
{
    long done = 0;
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    long bad = fsx("/tmp/fsx.ext2", fsx_ops, fsx_seed, 256 * 1024, 1, &done);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(bad == 0 && done == fsx_ops, "fsx on ext2fs: %ld operations (seed %lu), %ld bad", done, fsx_seed, bad);
    diag("fsx on ext2fs: %.1f s of the guest's clock", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
}

/* --------------------------------------------------- swap and tmpfs */
/* Runs ARGV (a full path first) and waits: its exit status, 128 + the
 * signal that ended it, or -1. */
static int run(char *const argv[])
{
    pid_t c = fork();
    if (c == 0) {
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    if (c < 0 || waitpid(c, &st, 0) != c)
        return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* What the page-list device NAME served: its own device_get_status
 * flavor (examples/pagelist-device/pld.h): reads, writes, refusals, KiB
 * read, KiB written, the kernel type of its port. */
#define PLD_GET_STATS 0x706c6400
static int device_stats(const char *name, int st[6])
{
    mach_port_t master, dev;
    if (get_privileged_ports(NULL, &master) != 0)
        return 0;
    kern_return_t kr = device_open(master, D_READ, name, &dev);
    mach_port_deallocate(mach_task_self(), master);
    if (kr != KERN_SUCCESS)
        return 0;
    mach_msg_type_number_t n = 6;
    kr = device_get_status(dev, PLD_GET_STATS, st, &n);
    device_close(dev);
    mach_port_deallocate(mach_task_self(), dev);
    return kr == KERN_SUCCESS && n == 6;
}

/* On tmpfs: 8192 bytes of 0xdc, truncated to 5000, grown to 8192 by a
 * write past the end: the number of bytes 5000..8191 that are not zero
 * (SIZE_MAX if a call failed). */
static size_t tmpfs_truncate_tail(void)
{
    unsigned char buf[8192];
    size_t nonzero = SIZE_MAX;
    int fd = open("/tmp/tmpfs/tail", O_CREAT | O_TRUNC | O_RDWR, 0644);
    memset(buf, 0xdc, sizeof buf);
    if (fd >= 0 && pwrite(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf && ftruncate(fd, 5000) == 0 &&
        pwrite(fd, buf, 1, 8191) == 1 && pread(fd, buf, sizeof buf, 0) == (ssize_t)sizeof buf) {
        nonzero = 0;
        for (size_t i = 5000; i < 8191; i++)
            nonzero += buf[i] != 0;
    }
    if (fd >= 0)
        close(fd);
    unlink("/tmp/tmpfs/tail");
    return nonzero;
}

/* fsx's largest file on tmpfs: 32 pages, within mach-defpager's one-level map. */
#define TMPFS_FSX_MAXLEN (128 * 1024)

static uint32_t hog_word(size_t i)
{
    return (uint32_t)(i * 2654435761u) ^ 0x5a5aa5a5u;
}

/* The default pager (mach-defpager) paging to SWAP_DEVICE through storeio
 * and swapon, then memory beyond what is free written, fsx on tmpfs (whose
 * pages the default pager keeps) while it is, and the memory read back. */
static void t_swap(void)
{
    static char *defpager[] = {"/hurd/mach-defpager", NULL};
    int r = run(defpager);
    CHECK(r == 0, "swap: mach-defpager started (exit status %d)", r);
    char argz[128];
    int len = snprintf(argz, sizeof argz, "/hurd/storeio%c-T%cdevice%c%s", 0, 0, 0, swap_device) + 1;
    error_t err = set_passive("/dev/swap", argz, (size_t)len);
    /* Held open to the end: storeio keeps the device open while it runs. */
    int keep = open("/dev/swap", O_RDONLY);
    CHECK(err == 0 && keep >= 0, "swap: storeio on /dev/swap for device %s", swap_device);
    if (err || keep < 0)
        diag("swap: %s", strerror(err ? err : errno));
    static char *swapon[] = {"/usr/sbin/swapon", "--no-signature", "/dev/swap", NULL};
    r = run(swapon);
    CHECK(r == 0, "swap: swapon --no-signature /dev/swap (exit status %d)", r);
    static const char tmpfs[] = "/hurd/tmpfs\0" "48M";
    err = set_passive("/tmp/tmpfs", tmpfs, sizeof tmpfs);
    struct stat st;
    CHECK(err == 0 && stat("/tmp/tmpfs", &st) == 0 && S_ISDIR(st.st_mode), "swap: tmpfs on /tmp/tmpfs");

    /* fsx on tmpfs while memory is plentiful, then while it is short. */
    long done = 0;
    long bad = fsx("/tmp/tmpfs/fsx", 1000, fsx_seed + 2, TMPFS_FSX_MAXLEN, vm_page_size, &done);
    CHECK(bad == 0 && done == 1000, "fsx on tmpfs, memory free: %ld operations (seed %lu, truncations to whole pages), "
          "%ld bad", done, fsx_seed + 2, bad);

    int before[6] = {0}, after[6] = {0};
    vm_statistics_data_t vs0, vs1;
    int have = device_stats(swap_device, before) && vm_statistics(mach_task_self(), &vs0) == KERN_SUCCESS;
    CHECK(have, "swap: the device's and the kernel's counts read");
    if (!have)
        return;
    size_t page = vm_page_size;
    size_t hog_size = (size_t)vs0.free_count * page + ((size_t)swap_extra_mb << 20);
    diag("swap: %lu KiB free; %zu KiB written beyond it", (unsigned long)vs0.free_count * (page / 1024),
         hog_size / 1024);
    uint32_t *hog = mmap(NULL, hog_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK(hog != MAP_FAILED, "swap: %zu KiB mapped", hog_size / 1024);
    if (hog == MAP_FAILED)
        return;
    size_t words = hog_size / sizeof *hog;
    for (size_t i = 0; i < words; i++)
        hog[i] = hog_word(i);
    diag("swap: written; fsx on tmpfs next");

    /* Three defects, not migc's (the GNU MIG-built system has them all):
     * on tmpfs over mach-defpager a truncation to a size inside a page
     * leaves the rest of that page's old bytes, which growing the file
     * shows again (fsx's seed 2 found it at its 27th operation); with the
     * swap disk's port marked USER_DEVICE, such a truncation while memory
     * is short panics GNU Mach (vm_map_copyin_page_list: assertion
     * `m->wire_count == 1'); and truncating to 0 bytes (or removing) a
     * file whose object grew past 64 pages (mach-defpager's map then has
     * two levels) kills mach-defpager (fsx's seed 3, operation 929: from
     * 246,958 bytes to 0).  So fsx on tmpfs truncates to whole pages and
     * keeps its file below TMPFS_FSX_MAXLEN, and the test of the first
     * defect runs only when asked for. */
    if (tmpfs_tail) {
        size_t tail = tmpfs_truncate_tail();
        if (tail == 0)
            point(1, "tmpfs: growing a file truncated inside a page shows zeros past the old end");
        else
            point(0, "tmpfs: growing a file truncated inside a page shows zeros past the old end "
                     "# TODO a defect of the Hurd's tmpfs and mach-defpager: %zu old bytes came back", tail);
    }

    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    bad = fsx("/tmp/tmpfs/fsx", fsx_ops, fsx_seed + 1, TMPFS_FSX_MAXLEN, page, &done);
    clock_gettime(CLOCK_MONOTONIC, &b);
    CHECK(bad == 0 && done == fsx_ops, "fsx on tmpfs: %ld operations (seed %lu, truncations to whole pages), %ld bad",
          done, fsx_seed + 1, bad);
    diag("fsx on tmpfs: %.1f s of the guest's clock", (double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);

    size_t wrong = 0;
    for (size_t i = 0; i < words; i++)
        if (hog[i] != hog_word(i) && wrong++ == 0)
            diag("swap: word %zu is %#x, not %#x", i, hog[i], hog_word(i));
    CHECK(wrong == 0, "swap: the %zu KiB read back after paging, %zu bad words", hog_size / 1024, wrong);
    munmap(hog, hog_size);
    have = device_stats(swap_device, after) && vm_statistics(mach_task_self(), &vs1) == KERN_SUCCESS;
    diag("swap: the kernel counted %u page-outs and %u page-ins", (unsigned)(vs1.pageouts - vs0.pageouts),
         (unsigned)(vs1.pageins - vs0.pageins));
    CHECK(have && after[1] > before[1] && after[5] == MACH_PORT_KTYPE_USER_DEVICE,
          "swap: the page-list device %s (port ktype %d, USER_DEVICE is %d) served %d writes (%d KiB) and %d reads "
          "(%d KiB) of paging",
          swap_device, after[5], MACH_PORT_KTYPE_USER_DEVICE, after[1] - before[1], after[4] - before[4],
          after[0] - before[0], after[3] - before[3]);
    close(keep);
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "--child-exit") == 0)
        return atoi(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "--child-signal") == 0)
        return child_signal();
    read_conf();
    setvbuf(stdout, NULL, _IOLBF, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);   /* glibc: host_get_uptime64, the time since the boot */
    printf("@@ begin\n");
    printf("@@ # boot: %.2f s of the guest's clock\n", (double)t0.tv_sec + t0.tv_nsec / 1e9);
    static const char pflocal[] = "/hurd/pflocal";
    error_t err = set_passive(_SERVERS_SOCKET "/1", pflocal, sizeof pflocal);
    CHECK(err == 0, "setup: passive %s on %s/1 (%s)", pflocal, _SERVERS_SOCKET, strerror(err));
    if (wanted("files"))
        t_files();
    if (wanted("pipes"))
        t_pipes();
    if (wanted("select"))
        t_select();
    if (wanted("processes"))
        t_processes();
    if (wanted("ids"))
        t_ids();
    if (wanted("mmap"))
        t_mmap();
    if (wanted("translator"))
        t_translator();
    if (wanted("fsx"))
        t_fsx();
    if (swap_device[0] && wanted("swap"))
        t_swap();
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("@@ # suite: %.1f s of the guest's clock\n",
           (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("@@ summary %d points, %d failed\n", npoints, nfailed);
    sync();
    printf("@@ end\n");
    fflush(stdout);
    reboot(RB_HALT);
    printf("@@ # reboot: %s\n", strerror(errno));
    return 1;
}
