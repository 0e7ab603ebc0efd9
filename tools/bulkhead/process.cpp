// fork/exec with a close-on-exec pipe: the child writes exec's errno into it only if exec fails.
#include "process.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <chrono>

namespace bh::cli {
namespace {

// The child being waited for, so a terminating signal can take it down first.
volatile sig_atomic_t g_child = 0;

void forward_and_die(int sig) {
    if (g_child > 0) kill(static_cast<pid_t>(g_child), SIGKILL);
    signal(sig, SIG_DFL);
    raise(sig);
}

// meson kills a timed-out test with SIGTERM; the user may press Ctrl-C.
void guard_signals() {
    for (int sig : {SIGTERM, SIGINT, SIGHUP}) {
        struct sigaction sa = {};
        sa.sa_handler = forward_and_die;
        sigemptyset(&sa.sa_mask);
        sigaction(sig, &sa, nullptr);
    }
}

}  // namespace

pid_t spawn(const std::vector<std::string>& argv, bool tied, int& err, const std::string& input,
            const std::string& output) {
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        err = errno;
        return -1;
    }
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        err = errno;
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    if (pid == 0) {
        close(fds[0]);
        if (tied) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            if (getppid() != parent) _exit(127);  // the parent died before prctl took effect
        }
        if (!input.empty()) {
            int in = open(input.c_str(), O_RDONLY | O_CLOEXEC);
            int out = open("/dev/null", O_WRONLY | O_CLOEXEC);
            if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0) _exit(127);
        }
        if (!output.empty()) {
            int out = open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
            if (out < 0 || dup2(out, 1) < 0) _exit(127);
        }
        execvp(args[0], args.data());
        int e = errno;
        ssize_t ignored = write(fds[1], &e, sizeof e);
        (void)ignored;
        _exit(127);
    }
    close(fds[1]);
    int child_errno = 0;
    ssize_t n;
    do {
        n = read(fds[0], &child_errno, sizeof child_errno);
    } while (n < 0 && errno == EINTR);
    close(fds[0]);
    if (n == static_cast<ssize_t>(sizeof child_errno)) {
        waitpid(pid, nullptr, 0);
        err = child_errno;
        return -1;
    }
    return pid;
}

QemuOutcome wait_child(pid_t pid, int timeout_s, bool tied, const std::function<void()>& tick) {
    using Clock = std::chrono::steady_clock;
    if (tied) {
        g_child = pid;
        guard_signals();
    } else {
        signal(SIGINT, SIG_IGN);
    }
    QemuOutcome o;
    auto deadline = Clock::now() + std::chrono::seconds(timeout_s);
    int status = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) break;
        if (r < 0 && errno != EINTR) {
            o.kind = QemuOutcome::Kind::SpawnFailed;
            o.status = errno;
            g_child = 0;
            return o;
        }
        if (tick) tick();
        if (timeout_s > 0 && Clock::now() >= deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            g_child = 0;
            if (tick) tick();
            o.kind = QemuOutcome::Kind::TimedOut;
            o.seconds = timeout_s;
            return o;
        }
        struct timespec ts = {0, 50 * 1000 * 1000};
        nanosleep(&ts, nullptr);
    }
    g_child = 0;
    if (tick) tick();
    if (WIFSIGNALED(status)) {
        o.kind = QemuOutcome::Kind::Signaled;
        o.status = WTERMSIG(status);
    } else {
        o.kind = QemuOutcome::Kind::Exited;
        o.status = WEXITSTATUS(status);
    }
    return o;
}

QemuOutcome run_child(const std::vector<std::string>& argv, int timeout_s, bool tied,
                      const std::function<void()>& tick, const std::string& input,
                      const std::string& output) {
    int err = 0;
    pid_t pid = spawn(argv, tied, err, input, output);
    if (pid < 0) {
        QemuOutcome o;
        o.kind = QemuOutcome::Kind::SpawnFailed;
        o.status = err;
        o.program = argv.empty() ? "" : argv[0];
        return o;
    }
    QemuOutcome o = wait_child(pid, timeout_s, tied, tick);
    o.program = argv[0];
    return o;
}

}  // namespace bh::cli
