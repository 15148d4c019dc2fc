// Test helpers for crash tests that fork a child, read what it reports through a pipe and kill
// it with SIGKILL (disk queue, WAL, uploader). Header-only; POSIX.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>

namespace sextant::testing {

// Reads exactly n bytes from fd; false at EOF or on an error before that.
inline bool readFull(int fd, void* buf, std::size_t n) {
  std::size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, static_cast<char*>(buf) + got, n - got);
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

// Sends sig to pid and reaps it; the wait status, or -1 when either call failed.
inline int killAndWait(pid_t pid, int sig) {
  if (::kill(pid, sig) != 0) return -1;
  int status = 0;
  return ::waitpid(pid, &status, 0) == pid ? status : -1;
}

}  // namespace sextant::testing
