/*
 * kubetest-cow: gives the program it runs a private mount namespace in which the given host
 * directories have copy-on-write overlays (kernel overlayfs), then replaces itself with that
 * program (bwrap, which binds the overlays as the container's root). Nothing is mounted on the
 * host: the overlays live and die with the namespace, i.e. with the sandbox's processes.
 *
 *   kubetest-cow [--userns] --work DIR (--overlay LOWER UPPER TARGET)... -- PROGRAM [ARG]...
 *
 * --work DIR   created here (it must not exist); overlay N gets DIR/N as its work directory, on
 *              the same filesystem as its upper directory. The caller removes DIR afterwards.
 * --userns     for a caller without CAP_SYS_ADMIN: a user namespace mapping only the caller's
 *              own uid and gid comes first (overlays are then mounted with "userxattr").
 * UPPER        must exist; TARGET is an existing directory the overlay is mounted on.
 *
 * Exit code 125 and one line on stderr when the namespace or an overlay cannot be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#define SETUP_FAILED 125
#define MAX_OVERLAYS 64

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "kubetest-cow: %s%s%s: %s\n", what, detail ? " " : "", detail ? detail : "", strerror(errno));
    exit(SETUP_FAILED);
}

static void usage(const char *problem)
{
    fprintf(stderr, "kubetest-cow: %s\nusage: kubetest-cow [--userns] --work DIR (--overlay LOWER UPPER TARGET)... -- PROGRAM [ARG]...\n", problem);
    exit(SETUP_FAILED);
}

static void write_file(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
    {
        fail("cannot open", path);
    }

    size_t length = strlen(text);
    if (write(fd, text, length) != (ssize_t)length)
    {
        fail("cannot write", path);
    }

    close(fd);
}

/* Overlay options are a comma-separated list and lowerdir a colon-separated one: refuse what would be misread. */
static void check_path(const char *path)
{
    if (path[0] != '/' || strpbrk(path, ",:\\") != NULL)
    {
        errno = EINVAL;
        fail("path must be absolute and free of ',', ':' and '\\':", path);
    }
}

int main(int argc, char **argv)
{
    const char *lowers[MAX_OVERLAYS], *uppers[MAX_OVERLAYS], *targets[MAX_OVERLAYS];
    const char *work = NULL;
    int overlays = 0, userns = 0, i = 1;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++)
    {
        if (strcmp(argv[i], "--userns") == 0)
        {
            userns = 1;
        }
        else if (strcmp(argv[i], "--work") == 0 && i + 1 < argc)
        {
            work = argv[++i];
        }
        else if (strcmp(argv[i], "--overlay") == 0 && i + 3 < argc && overlays < MAX_OVERLAYS)
        {
            lowers[overlays] = argv[i + 1];
            uppers[overlays] = argv[i + 2];
            targets[overlays] = argv[i + 3];
            overlays++;
            i += 3;
        }
        else
        {
            usage("unknown or incomplete option");
        }
    }

    if (i + 1 >= argc || work == NULL)
    {
        usage("--work and a program after -- are required");
    }

    check_path(work);
    for (int n = 0; n < overlays; n++)
    {
        check_path(lowers[n]);
        check_path(uppers[n]);
        check_path(targets[n]);
    }

    uid_t uid = getuid();
    gid_t gid = getgid();
    if (unshare(CLONE_NEWNS | (userns ? CLONE_NEWUSER : 0)) != 0)
    {
        fail("cannot create a mount namespace", userns ? "in a user namespace" : NULL);
    }

    if (userns)
    {
        char map[64];
        write_file("/proc/self/setgroups", "deny");
        snprintf(map, sizeof map, "%u %u 1", (unsigned)uid, (unsigned)uid);
        write_file("/proc/self/uid_map", map);
        snprintf(map, sizeof map, "%u %u 1", (unsigned)gid, (unsigned)gid);
        write_file("/proc/self/gid_map", map);
    }

    /* Nothing mounted here may reach the host's namespace, whatever the host's propagation. */
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
    {
        fail("cannot make the mount namespace private", NULL);
    }

    if (mkdir(work, 0700) != 0)
    {
        fail("cannot create", work);
    }

    for (int n = 0; n < overlays; n++)
    {
        char workdir[4096], options[16384];
        if (snprintf(workdir, sizeof workdir, "%s/%d", work, n) >= (int)sizeof workdir)
        {
            errno = ENAMETOOLONG;
            fail("work directory", work);
        }

        if (mkdir(workdir, 0700) != 0)
        {
            fail("cannot create", workdir);
        }

        /* index=off: two execs of one container may mount the same upper directory at once. */
        if (snprintf(options, sizeof options, "lowerdir=%s,upperdir=%s,workdir=%s,index=off%s",
                lowers[n], uppers[n], workdir, userns ? ",userxattr" : "") >= (int)sizeof options)
        {
            errno = ENAMETOOLONG;
            fail("overlay options for", targets[n]);
        }

        if (mount("overlay", targets[n], "overlay", 0, options) != 0)
        {
            fail("cannot mount an overlay of", lowers[n]);
        }
    }

    execvp(argv[i + 1], argv + i + 1);
    fail("cannot run", argv[i + 1]);
    return SETUP_FAILED;
}
