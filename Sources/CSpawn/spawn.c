#define _GNU_SOURCE
#include "CSpawn.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif
#include <sys/syscall.h>

static void report_and_exit(int fd, int err) {
    ssize_t n = write(fd, &err, sizeof err);
    (void)n;
    _exit(127);
}

/* -1 keeps the parent's descriptor; `from` is never 0-2 here (moved above first). */
static int move_fd(int from, int to) {
    if (from < 0) return 0;
    return dup2(from, to) < 0 ? -1 : 0;
}

pid_t kgate_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd, int new_group, int death_signal, int *error) {
    int status_pipe[2];
    if (pipe2(status_pipe, O_CLOEXEC) != 0) { *error = errno; return -1; }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        *error = errno;
        close(status_pipe[0]);
        close(status_pipe[1]);
        return -1;
    }
    if (pid == 0) {
        int report = status_pipe[1];
        if (report <= 2) {
            report = fcntl(report, F_DUPFD_CLOEXEC, 3);
            if (report < 0) _exit(127);
        }
        if (new_group && setpgid(0, 0) != 0) report_and_exit(report, errno);
        if (death_signal) {
            if (prctl(PR_SET_PDEATHSIG, death_signal) != 0) report_and_exit(report, errno);
            if (getppid() != parent) _exit(127); /* the parent is already gone */
        }
        struct sigaction dfl;
        dfl.sa_handler = SIG_DFL;
        dfl.sa_flags = 0;
        sigemptyset(&dfl.sa_mask);
        for (int s = 1; s < NSIG; s++) {
            if (s != SIGKILL && s != SIGSTOP) sigaction(s, &dfl, NULL);
        }
        sigset_t empty;
        sigemptyset(&empty);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        /* dup2 clears close-on-exec on the target; move the low ones out of the way first. */
        int in = stdin_fd >= 0 && stdin_fd <= 2 ? fcntl(stdin_fd, F_DUPFD_CLOEXEC, 3) : stdin_fd;
        int out = stdout_fd >= 0 && stdout_fd <= 2 ? fcntl(stdout_fd, F_DUPFD_CLOEXEC, 3) : stdout_fd;
        int err = stderr_fd >= 0 && stderr_fd <= 2 ? fcntl(stderr_fd, F_DUPFD_CLOEXEC, 3) : stderr_fd;
        if (move_fd(in, 0) || move_fd(out, 1) || move_fd(err, 2)) report_and_exit(report, errno);
        /* Everything else closes on exec (the status pipe reports a failed exec). */
        syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
        if (cwd && chdir(cwd) != 0) report_and_exit(report, errno);
        execve(path, argv, envp);
        report_and_exit(report, errno);
    }
    close(status_pipe[1]);
    if (new_group) setpgid(pid, pid); /* both sides set it: no window where a signal misses the group */
    int child_errno = 0;
    ssize_t n;
    do { n = read(status_pipe[0], &child_errno, sizeof child_errno); } while (n < 0 && errno == EINTR);
    close(status_pipe[0]);
    if (n == (ssize_t)sizeof child_errno) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        *error = child_errno;
        return -1;
    }
    return pid;
}
