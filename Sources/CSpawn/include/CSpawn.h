#ifndef KGATE_CSPAWN_H
#define KGATE_CSPAWN_H
#include <sys/types.h>

/* Starts `path` with `argv`/`envp` (NULL-terminated). The child gets stdin,
   stdout and stderr from the three descriptors, every other descriptor closed
   on exec, all signal dispositions reset to default and an empty signal mask;
   with `new_group` it leads its own process group, with `death_signal` != 0 it
   receives that signal when the spawning thread ends (PR_SET_PDEATHSIG).
   `cwd` may be NULL. Returns the child's pid, or -1 with `*error` set to the
   errno of the step that failed (fork, chdir, exec). Only async-signal-safe
   calls run between fork and exec. */
pid_t kgate_spawn(const char *path, char *const argv[], char *const envp[], const char *cwd,
                  int stdin_fd, int stdout_fd, int stderr_fd, int new_group, int death_signal, int *error);

#endif
