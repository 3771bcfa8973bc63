/* driver.c: GNU mig's command line, cpp, and the all-or-nothing writing of each .defs file's outputs.
 *
 * GNU mig is a shell script that runs `$cpp $cppflags FILE | migcom
 * $migflags` for every FILE; migc does both steps in one process and keeps
 * the script's command line, default file names and -MD behaviour.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "migc.h"

extern char **environ;

/* configure --target=T makes T the default (-DMIGC_DEFAULT_TARGET). */
#ifdef MIGC_DEFAULT_TARGET
#define DEFAULT_TARGET MIGC_DEFAULT_TARGET
#else
#define DEFAULT_TARGET "x86_64-gnu"
#endif

/* The driver's state for the whole run. */
typedef struct Driver {
    Options opt;
    Diag diag;                 /* driver errors (no source position) */
    const char *prog;          /* basename of argv[0], for messages */
    const char *target_name;   /* --target=NAME, or NULL */
    char *prog_prefix;         /* PREFIX of a program name PREFIX-mig naming no target */
    const char *migcom;        /* -migcom PROG: accepted and ignored */
    mode_t mode;               /* permissions of created files: 0666 & ~umask */
    Arena emit_tmp;            /* the emitters' temporaries, its blocks reused from output to output */
} Driver;

/* One output of a .defs file.  The order of OutKind is the order GNU mig
   lists the outputs in its dependency files. */
typedef enum {
    OUT_HEADER, OUT_USER, OUT_SERVER, OUT_SHEADER, OUT_IHEADER, OUT_LIST, OUT_DESCRIBE,
    OUT_DEPS        /* -MD's BASE-mig.d, written after the others */
} OutKind;

typedef struct OutFile {
    OutKind kind;
    const char *path;          /* final name */
    Routine *routine;          /* with -i: the one routine of this user file */
    const char *text;          /* OUT_DEPS: the whole content */
    char *tmp;                 /* temporary while unfinished; NULL once renamed or when written in place */
} OutFile;

/* Temporaries not yet renamed; removed if the run ends early (diag_fatal,
   too many errors).  atexit handlers take no argument, hence a global. */
static Vec *pending_outputs;

static void remove_pending(void)
{
    if (!pending_outputs)
        return;
    for (size_t i = 0; i < pending_outputs->n; i++) {
        OutFile *of = pending_outputs->v[i];
        if (of->tmp) {
            unlink(of->tmp);
            of->tmp = NULL;
        }
    }
}

static void drv_error(Driver *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void drv_error(Driver *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    diag_error(&d->diag, (Loc){0}, "%s", buf);
}

static void verbose(Driver *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void verbose(Driver *d, const char *fmt, ...)
{
    if (!d->opt.verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("migc: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The file's base name without its last extension, as GNU mig's
   `basename FILE | sed 's%[.][^.]*$%%'` and gcc -MD compute it. */
static char *stem(const char *path)
{
    const char *b = base_name(path);
    const char *dot = strrchr(b, '.');
    return xstrndup(b, dot ? (size_t)(dot - b) : strlen(b));
}

/* Appends the blank-separated words of s to v. */
static void split_words(Vec *v, const char *s)
{
    while (*s) {
        while (*s == ' ' || *s == '\t' || *s == '\n')
            s++;
        const char *start = s;
        while (*s && *s != ' ' && *s != '\t' && *s != '\n')
            s++;
        if (s > start)
            vec_push(v, xstrndup(start, (size_t)(s - start)));
    }
}

static bool is_null_device(const char *path)
{
    return path && strcmp(path, "/dev/null") == 0;
}

/* ------------------------------------------------------------------ */
/* The command line.                                                  */

static void usage(FILE *f, const char *prog)
{
    fprintf(f,
        "Usage: %s [OPTION]... FILE.defs...\n"
        "Generate Mach RPC stubs (C client and server code and headers) from\n"
        "interface definition files; a drop-in replacement for GNU MIG.\n"
        "\n"
        "Outputs (unless -n, FILE.defs with `subsystem S' gives S.h, SUser.c, SServer.c;\n"
        "naming /dev/null as an output means: do not write it):\n"
        "  -user FILE        client stubs\n"
        "  -server FILE      server stubs and demultiplexer\n"
        "  -header FILE      client header\n"
        "  -sheader FILE     server header (only when given)\n"
        "  -iheader FILE     inline header (only when given)\n"
        "  -list FILE        routine names and message ids (only when given)\n"
        "  -describe FILE    machine-readable message layouts (migc extension)\n"
        "  -i BASE           one client file per routine, named BASE<routine>.c\n"
        "  -n                write only the outputs named on the command line\n"
        "  -prefix P         prefix of stub, server function and demux names\n"
        "  -subrprefix P     prefix of the runtime functions stubs call\n"
        "\n"
        "Behaviour:\n"
        "  -q, -Q            suppress / show warnings (default: show)\n"
        "  -v, -V            say what is being done / work silently (default)\n"
        "  -s, -S            emit / omit a symbol table in the server (default: omit)\n"
        "  -t -T -r -R       accepted for compatibility, no effect\n"
        "  --target=NAME     x86_64-gnu, i686-gnu or aarch64-gnu (or a GNU triplet\n"
        "                    such as i686-pc-gnu);\n"
        "                    default: the program name's prefix (NAME-mig), else\n"
        "                    " DEFAULT_TARGET " (configure --target)\n"
        "\n"
        "Preprocessing:\n"
        "  -cc CMD           preprocessor command (default: $CPP, else `$CC -E -x c',\n"
        "                    $CC defaulting to gcc, plus the target's flags)\n"
        "  -MD               also write BASE-mig.d, naming the outputs as targets\n"
        "  -imacros FILE, -isystem DIR, and every other switch (-DX, -UX, -I DIR, ...)\n"
        "                    are passed to the preprocessor\n"
        "  -migcom PROG      accepted for compatibility; migc is its own migcom\n"
        "\n"
        "  --help            show this text\n"
        "  --version         show the version and the targets\n",
        prog);
}

static void version(Driver *d)
{
    printf("migc (migc) " MIGC_VERSION "\n");
    const Target *t = d->target_name ? target_by_name(d->target_name) : d->opt.target;
    if (!t && !d->prog_prefix)
        t = target_by_name(DEFAULT_TARGET);
    printf("targets: %s (this one: %s)\n", target_names(), t ? t->name : "none");
}

/* The target named by the program name: TARGET-mig or TARGET-migc.  A
   prefix that names no target is kept in d->prog_prefix: an error unless
   --target says which. */
static const Target *target_from_prog(Driver *d)
{
    static const char *const suffixes[] = { "-migc", "-mig" };
    size_t len = strlen(d->prog);
    for (size_t i = 0; i < sizeof suffixes / sizeof *suffixes; i++) {
        size_t sl = strlen(suffixes[i]);
        if (len > sl && strcmp(d->prog + len - sl, suffixes[i]) == 0) {
            char *name = xstrndup(d->prog, len - sl);
            const Target *t = target_by_name(name);
            if (t)
                free(name);
            else
                d->prog_prefix = name;
            return t;
        }
    }
    return NULL;
}

/* Switches that set a string option from the next word. */
static const char **string_option(Options *o, const char *sw)
{
    const struct { const char *sw; const char **slot; } tab[] = {
        { "-user", &o->user }, { "-server", &o->server }, { "-header", &o->header },
        { "-sheader", &o->sheader }, { "-iheader", &o->iheader }, { "-list", &o->list },
        { "-describe", &o->describe }, { "-i", &o->split_base }, { "-prefix", &o->prefix },
        { "-subrprefix", &o->subrprefix }, { "-cc", &o->cc },
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (strcmp(sw, tab[i].sw) == 0)
            return tab[i].slot;
    return NULL;
}

/* Switches that set or clear a flag. */
static bool flag_option(Options *o, const char *sw)
{
    const struct { const char *sw; bool *flag; bool value; } tab[] = {
        { "-q", &o->quiet, true }, { "-Q", &o->quiet, false },
        { "-v", &o->verbose, true }, { "-V", &o->verbose, false },
        { "-s", &o->symtab, true }, { "-S", &o->symtab, false },
        { "-n", &o->no_defaults, true },
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (strcmp(sw, tab[i].sw) == 0) {
            *tab[i].flag = tab[i].value;
            return true;
        }
    return false;
}

/* cpp switches whose argument may be the next word (`-I dir`). */
static bool cpp_takes_word(const char *sw)
{
    static const char *const tab[] = {
        "-I", "-D", "-U", "-include", "-imacros", "-isystem", "-idirafter", "-iquote",
        "-iprefix", "-iwithprefix", "-iwithprefixbefore", "-isysroot", "-x",
        "-MF", "-MT", "-MQ",
    };
    for (size_t i = 0; i < sizeof tab / sizeof *tab; i++)
        if (strcmp(sw, tab[i]) == 0)
            return true;
    return false;
}

static const char *next_word(Driver *d, int argc, char **argv, int *i)
{
    if (*i + 1 >= argc) {
        drv_error(d, "option '%s' needs an argument (try --help)", argv[*i]);
        exit(1);
    }
    return argv[++*i];
}

/* Reads one switch at argv[*i]; advances *i past any argument it takes. */
static void parse_switch(Driver *d, int argc, char **argv, int *i)
{
    Options *o = &d->opt;
    const char *sw = argv[*i];
    const char **slot;

    if (strcmp(sw, "--help") == 0) {
        usage(stdout, d->prog);
        exit(0);
    } else if (strcmp(sw, "--version") == 0) {
        version(d);
        exit(0);
    } else if (strncmp(sw, "--target=", 9) == 0) {
        d->target_name = sw + 9;
    } else if (strcmp(sw, "--target") == 0) {
        d->target_name = next_word(d, argc, argv, i);
    } else if (flag_option(o, sw)) {
        /* done */
    } else if (!strcmp(sw, "-t") || !strcmp(sw, "-T") || !strcmp(sw, "-r") || !strcmp(sw, "-R")) {
        /* GNU mig hands these to migcom, which ignores them */
    } else if ((slot = string_option(o, sw))) {
        *slot = next_word(d, argc, argv, i);
    } else if (strcmp(sw, "-migcom") == 0) {
        d->migcom = next_word(d, argc, argv, i);
    } else if (strcmp(sw, "-MD") == 0) {
        o->md = true;
        vec_push(&o->cpp_args, (char *)sw);
    } else {
        /* Everything else belongs to cpp, even a lone `-': the kernel's
           `mig -n -cc cat - /dev/null' makes cpp `cat - /dev/null'. */
        vec_push(&o->cpp_args, (char *)sw);
        if (cpp_takes_word(sw))
            vec_push(&o->cpp_args, (char *)next_word(d, argc, argv, i));
    }
}

static void parse_command_line(Driver *d, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-')
            parse_switch(d, argc, argv, &i);
        else
            vec_push(&d->opt.files, argv[i]);
    }
    if (d->target_name) {
        d->opt.target = target_by_name(d->target_name);
        if (!d->opt.target) {
            drv_error(d, "unknown target '%s' (known: %s)", d->target_name, target_names());
            exit(1);
        }
    }
    if (d->migcom)
        verbose(d, "note: ignoring -migcom %s: migc is its own migcom", d->migcom);
}

/* ------------------------------------------------------------------ */
/* Preprocessing.                                                     */

/* The words of the cpp command for FILE, NULL-terminated: GNU mig's
   `$cpp $cppflags FILE', $cpp being -cc, else $CPP, else `$CC -E -x c'. */
static char **cpp_command(Driver *d, const char *file)
{
    Options *o = &d->opt;
    Vec v = {0};
    const char *env_cpp = getenv("CPP");
    const char *env_cc = getenv("CC");

    if (o->cc) {
        split_words(&v, o->cc);
    } else if (env_cpp && *env_cpp) {
        split_words(&v, env_cpp);
    } else {
        split_words(&v, env_cc && *env_cc ? env_cc : "gcc");
        split_words(&v, "-E -x c");
        split_words(&v, o->target->cpp_arch ? o->target->cpp_arch : "");
        /* A .defs file can tell migc from GNU MIG (not with -cc or $CPP:
           that command may not take -D, as `cat' does not). */
        vec_push(&v, xsprintf("-D__MIGC__=%d", MIGC_VERSION_NUMBER));
    }
    for (size_t i = 0; i < o->cpp_args.n; i++)
        vec_push(&v, o->cpp_args.v[i]);
    vec_push(&v, (char *)file);
    vec_push(&v, NULL);
    return (char **)v.v;
}

static char *join_words(char **words)
{
    size_t len = 1;
    for (char **w = words; *w; w++)
        len += strlen(*w) + 1;
    char *s = xmalloc(len), *p = s;
    for (char **w = words; *w; w++)
        p += sprintf(p, "%s%s", w == words ? "" : " ", *w);
    return s;
}

/* Reads fd to its end into c->text (NUL-terminated). */
static bool read_all(Driver *d, int fd, Ctx *c)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = xrealloc(NULL, cap);   /* (not zeroed: read() fills it) */
    for (;;) {
        if (cap - len < 2)
            buf = xrealloc(buf, cap *= 2);
        ssize_t got = read(fd, buf + len, cap - len - 1);
        if (got == 0)
            break;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            drv_error(d, "reading the preprocessor's output: %s", strerror(errno));
            free(buf);
            return false;
        }
        len += (size_t)got;
    }
    buf[len] = '\0';
    c->text = buf;
    c->text_len = len;
    return true;
}

static bool wait_cpp(Driver *d, pid_t pid, const char *cmd)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            drv_error(d, "waiting for the preprocessor: %s", strerror(errno));
            return false;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return true;
    if (WIFSIGNALED(status))
        drv_error(d, "preprocessor killed by signal %d: %s", WTERMSIG(status), cmd);
    else
        drv_error(d, "preprocessor failed (exit status %d): %s", WEXITSTATUS(status), cmd);
    return false;
}

/* Runs cpp on FILE and collects its output in c->text. */
static bool preprocess(Driver *d, const char *file, Ctx *c)
{
    char **argv = cpp_command(d, file);
    char *cmd = join_words(argv);
    verbose(d, "running: %s", cmd);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        drv_error(d, "pipe: %s", strerror(errno));
        return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    pid_t pid;
    int rc = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc != 0) {
        close(fds[0]);
        drv_error(d, "cannot run the preprocessor '%s': %s", argv[0], strerror(rc));
        return false;
    }
    bool ok = read_all(d, fds[0], c);
    close(fds[0]);
    ok = wait_cpp(d, pid, cmd) && ok;
    free(cmd);
    free(argv);
    return ok;
}

/* ------------------------------------------------------------------ */
/* Which outputs a .defs file has.                                    */

/* An output's name: the one given, else (unless -n) the default; NULL when
   there is none or it is /dev/null. */
static const char *output_name(const char *given, char *deflt, bool no_defaults)
{
    const char *p = given ? given : no_defaults ? NULL : deflt;
    return is_null_device(p) ? NULL : p;
}

static void add_output(Vec *plan, OutKind kind, const char *path, Routine *r)
{
    if (!path)
        return;
    OutFile *of = xmalloc(sizeof *of);
    of->kind = kind;
    of->path = path;
    of->routine = r;
    vec_push(plan, of);
}

/* GNU migcom names the default outputs after the subsystem, not the file. */
static Vec plan_outputs(Driver *d, Ctx *c)
{
    Options *o = &d->opt;
    const char *sub = c->mod->subsystem ? c->mod->subsystem : stem(c->input_name);
    bool nd = o->no_defaults;
    Vec plan = {0};

    add_output(&plan, OUT_HEADER, output_name(o->header, xsprintf("%s.h", sub), nd), NULL);
    if (o->split_base) {
        /* -i: one file per routine whatever -n and -user say (as migcom) */
        for (size_t i = 0; i < c->mod->routines.n; i++) {
            Routine *r = c->mod->routines.v[i];
            add_output(&plan, OUT_USER, xsprintf("%s%s.c", o->split_base, r->name), r);
        }
    } else {
        add_output(&plan, OUT_USER, output_name(o->user, xsprintf("%sUser.c", sub), nd), NULL);
    }
    add_output(&plan, OUT_SERVER, output_name(o->server, xsprintf("%sServer.c", sub), nd), NULL);
    add_output(&plan, OUT_SHEADER, output_name(o->sheader, NULL, true), NULL);
    /* GNU migcom writes the inline header of KernelServer subsystems only. */
    if (c->mod->kernel_server)
        add_output(&plan, OUT_IHEADER, output_name(o->iheader, NULL, true), NULL);
    add_output(&plan, OUT_LIST, output_name(o->list, NULL, true), NULL);
    add_output(&plan, OUT_DESCRIBE, output_name(o->describe, NULL, true), NULL);
    return plan;
}

/* The user header's file name without its directory, for the user stubs'
   #include (as GNU migcom writes it); NULL when no header is written (GNU
   migcom then includes none). */
static const char *header_name(Vec *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        OutFile *of = plan->v[i];
        if (of->kind == OUT_HEADER) {
            const char *slash = strrchr(of->path, '/');
            return slash ? slash + 1 : of->path;
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Writing: every output goes to a temporary in the same directory and */
/* is renamed into place only when all of them were written.           */

/* Opens the stream an output is written through.  An existing path that is
   not a regular file (a device, a fifo, a symbolic link such as /dev/stdout)
   is written in place, through the link as GNU mig does: renaming a
   temporary over it would replace the link or fail. */
static FILE *open_output(Driver *d, OutFile *of)
{
    struct stat st;
    if (lstat(of->path, &st) == 0 && !S_ISREG(st.st_mode)) {
        FILE *f = fopen(of->path, "w");
        if (!f)
            drv_error(d, "cannot open %s: %s", of->path, strerror(errno));
        return f;
    }
    char *tmp = xsprintf("%s.tmpXXXXXX", of->path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        drv_error(d, "cannot create %s: %s", of->path, strerror(errno));
        free(tmp);
        return NULL;
    }
    of->tmp = tmp;
    fchmod(fd, d->mode);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        drv_error(d, "cannot open %s: %s", tmp, strerror(errno));
        close(fd);
    }
    return f;
}

static void emit_one(OutFile *of, Out *o)
{
    switch (of->kind) {
    case OUT_HEADER:   emit_user_header(o); break;
    case OUT_USER:     emit_user(o, of->routine); break;
    case OUT_SERVER:   emit_server(o); break;
    case OUT_SHEADER:  emit_server_header(o); break;
    case OUT_IHEADER:  emit_inline_header(o); break;
    case OUT_LIST:     emit_msgids(o); break;
    case OUT_DESCRIBE: emit_describe(o); break;
    case OUT_DEPS:     sb_put(&o->text, of->text, strlen(of->text)); break;
    }
}

static bool close_output(Driver *d, OutFile *of, FILE *f)
{
    bool ok = fflush(f) == 0 && !ferror(f);
    int err = errno;
    if (fclose(f) != 0 && ok) {
        ok = false;
        err = errno;
    }
    if (!ok)
        drv_error(d, "cannot write %s: %s", of->path, strerror(err));
    return ok;
}

static bool write_output(Driver *d, Ctx *c, OutFile *of, const char *hname)
{
    FILE *f = open_output(d, of);
    if (!f)
        return false;
    Out o = {
        .f = f, .t = d->opt.target, .tindex = 0, .m = c->mod, .opt = &d->opt,
        .header_name = hname, .tmp = &d->emit_tmp,
    };
    o.stream = &o;
    sb_grow(&o.text, 2 * OUT_CHUNK);   /* (out() passes it on before it fills) */
    emit_one(of, &o);
    if (o.text.n)
        fwrite(o.text.b, 1, o.text.n, f);
    free(o.text.b);
    arena_release(&d->emit_tmp, (ArenaMark){ 0 });
    return close_output(d, of, f);
}

static bool commit_outputs(Driver *d, Vec *plan)
{
    for (size_t i = 0; i < plan->n; i++) {
        OutFile *of = plan->v[i];
        if (of->tmp && rename(of->tmp, of->path) != 0) {
            drv_error(d, "cannot rename %s to %s: %s", of->tmp, of->path, strerror(errno));
            return false;
        }
        free(of->tmp);
        of->tmp = NULL;
        verbose(d, "wrote %s", of->path);
    }
    return true;
}

static bool write_outputs(Driver *d, Ctx *c, Vec *plan)
{
    const char *hname = header_name(plan);
    bool ok = true;
    pending_outputs = plan;
    for (size_t i = 0; i < plan->n && ok; i++)
        ok = write_output(d, c, plan->v[i], hname);
    ok = ok && commit_outputs(d, plan);
    remove_pending();
    pending_outputs = NULL;
    return ok;
}

/* ------------------------------------------------------------------ */
/* -MD: cpp wrote STEM.d naming the .defs and its includes; GNU mig     */
/* rewrites its target into the generated files as STEM-mig.d.         */

static void append(char **s, const char *word)
{
    char *t = xsprintf("%s%s%s", *s ? *s : "", *s ? " " : "", word);
    free(*s);
    *s = t;
}

/* The generated files, as make targets.  With -i, a -user argument names
   the user files for the dependency file only (GNU mig's -i hack: the
   build renames BASE<routine>.c afterwards). */
static char *dep_targets(Driver *d, Vec *plan)
{
    char *s = NULL;
    bool users_done = false;
    for (size_t i = 0; i < plan->n; i++) {
        OutFile *of = plan->v[i];
        if (of->kind == OUT_USER && d->opt.split_base && d->opt.user) {
            if (!users_done && !is_null_device(d->opt.user))
                append(&s, d->opt.user);
            users_done = true;
        } else {
            append(&s, of->path);
        }
    }
    return s ? s : xstrdup("");
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *buf = xmalloc(cap);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n < 2)
            buf = xrealloc(buf, cap *= 2);
    }
    bool bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

static bool write_deps(Driver *d, Ctx *c, Vec *plan)
{
    char *base = stem(c->input_name);
    char *cpp_d = xsprintf("%s.d", base);
    size_t len;
    char *text = slurp(cpp_d, &len);
    if (!text) {
        if (!d->opt.quiet)
            fprintf(stderr, "migc: warning: -MD: cannot read %s, which the preprocessor "
                    "should have written: %s\n", cpp_d, strerror(errno));
        return true;
    }
    /* Keep cpp's prerequisites, replace its target (STEM.o) by ours; with
       no output at all, an empty file (a rule without target is an error). */
    const char *colon = memchr(text, ':', len);
    char *targets = dep_targets(d, plan);
    OutFile of = {
        .kind = OUT_DEPS, .path = xsprintf("%s-mig.d", base),
        /* Each target follows a space, the first one too, as in GNU mig's. */
        .text = *targets ? xsprintf(" %s%s", targets, colon ? colon : ":\n") : "",
    };
    Vec deps = {0};
    vec_push(&deps, &of);
    bool ok = write_outputs(d, c, &deps);
    if (ok)
        unlink(cpp_d);
    return ok;
}

/* ------------------------------------------------------------------ */
/* One .defs file, and the whole run.                                  */

static bool compile(Driver *d, Ctx *c)
{
    c->mod = xmalloc(sizeof(Module));
    parse_module(c);
    if (c->diag.errors)
        return false;
    model_finish(c);
    if (c->diag.errors)
        return false;
    layout_module(c->mod, d->opt.target, 0, &c->diag);
    return c->diag.errors == 0;
}

/* Whether FILE, a regular file, has a NUL byte in its first 64 KiB (*at:
   where): binary data, not a .defs file.  cpp would warn about it line by
   line, hundreds of times, before migc saw it. */
static bool is_binary(const char *file, size_t *at)
{
    int fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return false;   /* cpp says why */
    struct stat st;
    char buf[1 << 16];
    ssize_t got = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? read(fd, buf, sizeof buf) : 0;
    close(fd);
    const char *nul = got > 0 ? memchr(buf, '\0', (size_t)got) : NULL;
    if (nul)
        *at = (size_t)(nul - buf);
    return nul != NULL;
}

static bool process_file(Driver *d, const char *file)
{
    Ctx c = { .opt = &d->opt, .input_name = file };
    c.diag.quiet = d->opt.quiet;
    c.diag.out = stderr;
    verbose(d, "processing %s for %s", file, d->opt.target->name);
    size_t nul;
    if (is_binary(file, &nul)) {
        Loc loc = { .file = file };
        diag_error(&c.diag, loc, "not a text file (a NUL byte at offset %zu): not read", nul);
        return false;
    }
    if (!preprocess(d, file, &c))
        return false;

    bool ok = compile(d, &c);
    Vec plan = {0};
    if (ok) {
        plan = plan_outputs(d, &c);
        ok = write_outputs(d, &c, &plan);
    }
    if (d->opt.md) {
        if (ok)
            ok = write_deps(d, &c, &plan);
        else
            unlink(xsprintf("%s.d", stem(file)));   /* cpp's, now meaningless */
    }
    return ok;
}

int driver_main(int argc, char **argv)
{
    Driver d = {0};
    d.diag.out = stderr;
    d.prog = base_name(argv[0] ? argv[0] : "migc");
    mode_t mask = umask(0);
    umask(mask);
    d.mode = 0666 & ~mask;
    atexit(remove_pending);

    d.opt.target = target_from_prog(&d);
    parse_command_line(&d, argc, argv);
    /* A mistake planted on purpose, for the test of the proofs' judge
     * (tests/prove.test): an environment variable, so that no command line
     * a build writes can set it by accident. */
    const char *plant = getenv("MIGC_PLANT");
    d.opt.plant_no_count_bound = plant && strcmp(plant, "no-count-bound") == 0;
    if (!d.opt.target && d.prog_prefix) {
        drv_error(&d, "program name '%s': '%s' is no known target (known: %s; or give --target=NAME)",
                  d.prog, d.prog_prefix, target_names());
        return 1;
    }
    if (!d.opt.target)
        d.opt.target = target_by_name(DEFAULT_TARGET);
    if (!d.opt.target) {
        drv_error(&d, "default target %s is unknown (known: %s)", DEFAULT_TARGET, target_names());
        return 1;
    }
    if (d.opt.files.n == 0) {
        /* GNU MIG's driver does nothing and succeeds: a build whose list
         * of .defs files is empty must not fail with migc either. */
        diag_note(&d.diag, (Loc){0}, "no .defs file given: nothing to do (try --help)");
        return 0;
    }
    for (size_t i = 0; i < d.opt.files.n; i++)
        if (!process_file(&d, d.opt.files.v[i]))
            return 1;
    return 0;
}
