// tests/compat/subprocess.h
//
// Subprocess: fork/exec a child (the harness, node, prometheus) for compat tests, with stdout and
// stderr redirected to a file, an optional working directory and extra environment. Wait() waits
// with a deadline; the destructor sends SIGTERM, then SIGKILL after 5 s, and reaps the child.
// Also: FindExecutable (PATH lookup), ReadFile, MakeTempDir, WaitForFileLine, NpmCiIfMissing.
#ifndef QUELL_TESTS_COMPAT_SUBPROCESS_H_
#define QUELL_TESTS_COMPAT_SUBPROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace quell::compat {

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::string FindExecutable(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::stringstream ss(path ? path : "/usr/bin:/bin");
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string full = dir + "/" + name;
    if (::access(full.c_str(), X_OK) == 0) return full;
  }
  return {};
}

inline std::string MakeTempDir(const std::string& prefix) {
  std::string tmpl = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/" + prefix + "XXXXXX";
  std::vector<char> buf(tmpl.begin(), tmpl.end());
  buf.push_back('\0');
  return ::mkdtemp(buf.data()) ? std::string(buf.data()) : std::string();
}

// Polls (10 ms steps) until pred() holds or `timeout` passes.
inline bool WaitFor(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

class Subprocess {
 public:
  // Starts argv[0] (a path) with `args`; output to `log_path`. Check running() / pid().
  Subprocess(std::vector<std::string> argv, const std::string& log_path, const std::string& cwd = {},
             const std::vector<std::pair<std::string, std::string>>& env = {}) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd >= 0) {
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
      }
      int devnull = ::open("/dev/null", O_RDONLY);
      if (devnull >= 0) ::dup2(devnull, 0);
      if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<char*> args;
      for (auto& a : argv) args.push_back(a.data());
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~Subprocess() {
    if (pid_ <= 0 || exited_) return;
    ::kill(pid_, SIGTERM);
    if (!Wait(std::chrono::seconds(5))) {
      ::kill(pid_, SIGKILL);
      Wait(std::chrono::seconds(5));
    }
  }
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  // True iff the child exited before the deadline; exit_code() then holds its status.
  bool Wait(std::chrono::milliseconds timeout) {
    if (exited_) return true;
    return WaitFor([this] {
      int status = 0;
      pid_t r = ::waitpid(pid_, &status, WNOHANG);
      if (r == pid_) {
        exited_ = true;
        exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      return exited_;
    }, timeout);
  }
  bool running() {
    if (exited_) return false;
    return !Wait(std::chrono::milliseconds(0));
  }
  int exit_code() const { return exit_code_; }

 private:
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_code_ = -1;
};

// Runs `npm ci` in `dir` (a tests/compat/<client> package) unless `dir/node_modules/<probe>` exists.
// Returns "" on success, else why it failed (with npm's output, written to `log_path`).
inline std::string NpmCiIfMissing(const std::string& npm, const std::string& dir, const std::string& probe,
                                  const std::string& log_path) {
  struct stat st;
  if (::stat((dir + "/node_modules/" + probe).c_str(), &st) == 0) return {};
  Subprocess ci({npm, "ci", "--no-audit", "--no-fund"}, log_path, dir);
  if (!ci.Wait(std::chrono::seconds(240))) return "npm ci timed out";
  if (ci.exit_code() != 0) return "npm ci failed:\n" + ReadFile(log_path);
  return {};
}

// Starts quell-intake-harness and waits (deadline) for it to publish its port. Returns 0 on failure.
inline uint16_t StartHarness(std::optional<Subprocess>* harness, const std::string& binary, const std::string& dir,
                             const std::vector<std::string>& extra_args = {}) {
  std::vector<std::string> argv = {binary, "--out", dir + "/received.jsonl", "--port-file", dir + "/port"};
  argv.insert(argv.end(), extra_args.begin(), extra_args.end());
  harness->emplace(argv, dir + "/harness.log");
  uint16_t port = 0;
  WaitFor([&] {
    std::string text = ReadFile(dir + "/port");
    if (!text.empty()) port = static_cast<uint16_t>(std::atoi(text.c_str()));
    return port != 0 || !(*harness)->running();
  }, std::chrono::seconds(30));
  return port;
}

// The lines of `path` that contain every one of `needles`.
inline std::vector<std::string> LinesWith(const std::string& path, const std::vector<std::string>& needles) {
  std::vector<std::string> out;
  std::stringstream ss(ReadFile(path));
  std::string line;
  while (std::getline(ss, line)) {
    bool all = true;
    for (const auto& n : needles) all = all && line.find(n) != std::string::npos;
    if (all) out.push_back(line);
  }
  return out;
}

}  // namespace quell::compat

#endif  // QUELL_TESTS_COMPAT_SUBPROCESS_H_
