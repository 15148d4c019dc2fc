// Test helper: runs the real `sextant` binary (SEXTANT_BINARY, set by CMake) as a child process
// and reads its stdout until it says where it listens. Used by the process tests in this folder.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace sextant::testing {

// A child `sextant <args>` whose stdout is read until it says where it listens.
class SextantProcess {
 public:
  explicit SextantProcess(std::vector<std::string> args) {
    int out[2];
    if (::pipe(out) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(out[1], STDOUT_FILENO);
      ::close(out[0]);
      ::close(out[1]);
      std::vector<char*> argv;
      std::string binary = SEXTANT_BINARY;
      argv.push_back(binary.data());
      for (std::string& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(SEXTANT_BINARY, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    std::string line;
    char c;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline && ::read(out[0], &c, 1) == 1) {
      if (c != '\n') {
        line += c;
        continue;
      }
      if (size_t at = line.find("listening on http://127.0.0.1:"); at != std::string::npos) {
        port_ = static_cast<uint16_t>(std::stoi(line.substr(at + 30)));
        // `sextant standalone` prints its server's address on the same line.
        if (size_t s = line.find("server on http://127.0.0.1:"); s != std::string::npos) {
          server_port_ = static_cast<uint16_t>(std::stoi(line.substr(s + 27)));
        }
        break;
      }
      line.clear();
    }
    stdout_fd_ = out[0];
  }
  ~SextantProcess() {
    if (pid_ > 0) kill(SIGKILL);
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }
  uint16_t port() const { return port_; }
  uint16_t serverPort() const { return server_port_; }
  void signal(int sig) const {
    if (pid_ > 0) ::kill(pid_, sig);
  }
  // Sends `sig` and waits for the process; returns its wait status.
  int kill(int sig) {
    if (pid_ <= 0) return -1;
    ::kill(pid_, sig);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  uint16_t port_ = 0;
  uint16_t server_port_ = 0;
};

// `sextant agent` on a free loopback port.
class AgentProcess : public SextantProcess {
 public:
  explicit AgentProcess(const std::string& install_dir)
      : SextantProcess({"agent", "--install-dir", install_dir, "--listen", "127.0.0.1:0"}) {}
};

}  // namespace sextant::testing
