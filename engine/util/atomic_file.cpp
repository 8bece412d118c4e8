#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <utility>

#include "util/error.hpp"

namespace vkvae {
namespace {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

[[noreturn]] void fail(const std::filesystem::path& path, const char* action, int error) {
  throw Error(path.string() + ": cannot " + action + ": " + std::strerror(error) +
              "; check the directory exists, is writable and has free space");
}

// ".NAME.tmp.PID": hidden, beside the target so that rename() stays on one filesystem.
constexpr std::string_view kTempMark = ".tmp.";

std::filesystem::path temp_path(const std::filesystem::path& dir, const std::filesystem::path& target) {
  std::string name = ".";
  name.append(target.filename().string()).append(kTempMark).append(std::to_string(::getpid()));
  return dir / name;
}

// The writer's pid of a temporary file's name, or 0 when the name is not one of ours.
pid_t temp_writer(const std::string& name) {
  const std::size_t mark = name.rfind(kTempMark);
  if (name.empty() || name[0] != '.' || mark == std::string::npos || mark + kTempMark.size() == name.size()) return 0;
  pid_t pid = 0;
  for (std::size_t i = mark + kTempMark.size(); i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9' || pid > 100000000) return 0;
    pid = pid * 10 + (name[i] - '0');
  }
  return pid;
}

void write_all(int fd, const std::filesystem::path& path, std::span<const std::byte> bytes, const std::filesystem::path* unlink_on_error) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int error = errno;
      if (unlink_on_error) ::unlink(unlink_on_error->c_str());
      fail(path, "write", error);
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace

void write_file_atomically(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const std::filesystem::path temp = temp_path(dir, path);

  FileDescriptor out(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.get() < 0) fail(path, "create a temporary file", errno);
  write_all(out.get(), path, bytes, &temp);
  if (::fsync(out.get()) != 0 || ::close(out.release()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "flush to disk", error);
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    fail(path, "replace", error);
  }
  // The rename is durable only once the directory entry is on disk.
  FileDescriptor directory(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (directory.get() >= 0) ::fsync(directory.get());
}

void append_file_durably(const std::filesystem::path& path, std::span<const std::byte> bytes) {
  FileDescriptor out(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (out.get() < 0) fail(path, "open for appending", errno);
  write_all(out.get(), path, bytes, nullptr);
  if (::fsync(out.get()) != 0) fail(path, "flush to disk", errno);
}

std::vector<std::byte> read_file(const std::filesystem::path& path, const std::string& label) {
  const std::string name = label.empty() ? path.string() : label;
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) throw Error(name + ": is a directory; give a file", 2);
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(name + ": cannot open for reading: " + std::strerror(errno) + "; check the path", 2);
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(name + ": cannot read its size", 2);
  in.seekg(0);
  std::vector<std::byte> bytes(static_cast<std::size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  if (!in) throw Error(name + ": read failed (" + std::to_string(size) + " bytes expected)", 2);
  return bytes;
}

bool is_dead_writers_file(const std::filesystem::path& path) {
  const pid_t pid = temp_writer(path.filename().string());
  std::error_code error;
  // kill(pid, 0) fails with ESRCH only when no such process exists.
  return pid > 0 && std::filesystem::is_regular_file(path, error) && ::kill(pid, 0) != 0 && errno == ESRCH;
}

int remove_dead_writers_files(const std::filesystem::path& dir) {
  int removed = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (is_dead_writers_file(entry.path())) removed += std::filesystem::remove(entry.path(), error) ? 1 : 0;
  }
  return removed;
}

}  // namespace vkvae
