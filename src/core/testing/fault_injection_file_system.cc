#include "core/testing/fault_injection_file_system.h"

#include <random>

namespace sextant::testing {

class FaultInjectionFileSystem::File final : public WritableFile {
 public:
  File(FaultInjectionFileSystem* fs, std::unique_ptr<WritableFile> base,
       std::shared_ptr<FileState> state)
      : fs_(fs), base_(std::move(base)), state_(std::move(state)), generation_(fs->generation_) {}

  Status append(std::string_view data) override {
    std::lock_guard lock(fs_->mu_);
    SEXTANT_RETURN_IF_ERROR(checkGeneration());
    SEXTANT_RETURN_IF_ERROR(fs_->beginMutation());
    if (fs_->append_failures_ > 0) {
      --fs_->append_failures_;
      if (fs_->append_partial_) {
        std::string_view half = data.substr(0, data.size() / 2);
        if (base_->append(half).isOk()) state_->size += half.size();
      }
      return errnoToStatus(fs_->append_errno_, "injected append failure");
    }
    SEXTANT_RETURN_IF_ERROR(base_->append(data));
    state_->size += data.size();
    return Status::ok();
  }

  Status flush() override {
    std::lock_guard lock(fs_->mu_);
    SEXTANT_RETURN_IF_ERROR(checkGeneration());
    SEXTANT_RETURN_IF_ERROR(fs_->checkAlive());
    return base_->flush();
  }

  Status sync() override {
    std::lock_guard lock(fs_->mu_);
    SEXTANT_RETURN_IF_ERROR(checkGeneration());
    SEXTANT_RETURN_IF_ERROR(fs_->beginMutation());
    if (fs_->sync_failures_ > 0) {
      --fs_->sync_failures_;
      return errnoToStatus(fs_->sync_errno_, "injected sync failure");
    }
    SEXTANT_RETURN_IF_ERROR(base_->sync());
    state_->synced = state_->size;
    return Status::ok();
  }

  // Always closes the base file (no data changes); reports the crash if there was one.
  Status close() override {
    std::lock_guard lock(fs_->mu_);
    Status closed = base_->close();
    SEXTANT_RETURN_IF_ERROR(checkGeneration());
    SEXTANT_RETURN_IF_ERROR(fs_->checkAlive());
    return closed;
  }

 private:
  // A file opened before a crash or restart stays dead.
  Status checkGeneration() const {
    if (generation_ != fs_->generation_) return unavailable("file opened before a crash");
    return Status::ok();
  }

  FaultInjectionFileSystem* fs_;
  std::unique_ptr<WritableFile> base_;
  std::shared_ptr<FileState> state_;
  const std::uint64_t generation_;
};

FaultInjectionFileSystem::FaultInjectionFileSystem(FileSystem& base) : base_(base) {}

void FaultInjectionFileSystem::failNextAppends(int n, int error_number, bool write_partial) {
  std::lock_guard lock(mu_);
  append_failures_ = n;
  append_errno_ = error_number;
  append_partial_ = write_partial;
}

void FaultInjectionFileSystem::failNextSyncs(int n, int error_number) {
  std::lock_guard lock(mu_);
  sync_failures_ = n;
  sync_errno_ = error_number;
}

void FaultInjectionFileSystem::failNextTruncates(int n, int error_number) {
  std::lock_guard lock(mu_);
  truncate_failures_ = n;
  truncate_errno_ = error_number;
}

void FaultInjectionFileSystem::failAfter(std::int64_t n) {
  std::lock_guard lock(mu_);
  ops_left_ = n;
}

Status FaultInjectionFileSystem::crash(CrashMode mode, std::uint64_t seed) {
  std::lock_guard lock(mu_);
  dead_ = true;
  std::mt19937_64 rng(seed);
  for (auto& [path, state] : files_) {
    if (state->size <= state->synced) continue;
    const std::uint64_t unsynced = state->size - state->synced;
    std::uint64_t keep = state->synced;
    if (mode != CrashMode::kDropUnsynced) keep += rng() % (unsynced + 1);
    SEXTANT_RETURN_IF_ERROR(base_.truncate(path, keep));
    std::uint64_t size = keep;
    if (mode == CrashMode::kTornWriteGarbage && keep < state->size) {
      const std::uint64_t n = rng() % (state->size - keep + 1);
      const bool zeros = rng() % 2 == 0;
      std::string garbage(static_cast<size_t>(n), '\0');
      if (!zeros) {
        for (char& c : garbage) c = static_cast<char>(rng());
      }
      Result<std::unique_ptr<WritableFile>> file = base_.openAppend(path);
      if (!file.isOk()) return file.status();
      SEXTANT_RETURN_IF_ERROR((*file)->append(garbage));
      SEXTANT_RETURN_IF_ERROR((*file)->sync());
      SEXTANT_RETURN_IF_ERROR((*file)->close());
      size += n;
    }
    state->size = size;
    state->synced = size;
  }
  return Status::ok();
}

void FaultInjectionFileSystem::restart() {
  std::lock_guard lock(mu_);
  dead_ = false;
  ++generation_;
  ops_left_ = -1;
  append_failures_ = 0;
  sync_failures_ = 0;
  truncate_failures_ = 0;
  for (auto& [path, state] : files_) state->synced = state->size;
}

std::uint64_t FaultInjectionFileSystem::syncedSize(const std::string& path) {
  std::lock_guard lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) return it->second->synced;
  Result<std::uint64_t> size = base_.fileSize(path);
  return size.isOk() ? *size : 0;
}

Status FaultInjectionFileSystem::checkAlive() {
  if (dead_) return unavailable("simulated crash: the file system is gone");
  return Status::ok();
}

Status FaultInjectionFileSystem::beginMutation() {
  SEXTANT_RETURN_IF_ERROR(checkAlive());
  if (ops_left_ == 0) {
    dead_ = true;
    return checkAlive();
  }
  if (ops_left_ > 0) --ops_left_;
  return Status::ok();
}

Status FaultInjectionFileSystem::createDirs(const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(beginMutation());
  return base_.createDirs(path);
}

Result<std::vector<std::string>> FaultInjectionFileSystem::listDir(const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(checkAlive());
  return base_.listDir(path);
}

Result<std::uint64_t> FaultInjectionFileSystem::fileSize(const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(checkAlive());
  return base_.fileSize(path);
}

bool FaultInjectionFileSystem::exists(const std::string& path) {
  std::lock_guard lock(mu_);
  return !dead_ && base_.exists(path);
}

Result<std::string> FaultInjectionFileSystem::readFile(const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(checkAlive());
  return base_.readFile(path);
}

Result<std::string> FaultInjectionFileSystem::readRange(const std::string& path,
                                                        std::uint64_t offset, std::size_t n) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(checkAlive());
  return base_.readRange(path, offset, n);
}

Result<std::unique_ptr<WritableFile>> FaultInjectionFileSystem::openAppend(
    const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(beginMutation());
  const bool existed = base_.exists(path);
  Result<std::unique_ptr<WritableFile>> base_file = base_.openAppend(path);
  if (!base_file.isOk()) return base_file.status();
  std::shared_ptr<FileState>& state = files_[path];
  if (!state) {
    state = std::make_shared<FileState>();
    if (existed) {
      Result<std::uint64_t> size = base_.fileSize(path);
      if (!size.isOk()) return size.status();
      state->size = state->synced = *size;
    }
  }
  return std::unique_ptr<WritableFile>(new File(this, std::move(base_file).value(), state));
}

Status FaultInjectionFileSystem::rename(const std::string& from, const std::string& to) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(beginMutation());
  SEXTANT_RETURN_IF_ERROR(base_.rename(from, to));
  auto it = files_.find(from);
  if (it == files_.end()) {
    files_.erase(to);  // `to` now has from's contents, which were all synced
  } else {
    files_[to] = std::move(it->second);
    files_.erase(from);
  }
  return Status::ok();
}

Status FaultInjectionFileSystem::remove(const std::string& path) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(beginMutation());
  SEXTANT_RETURN_IF_ERROR(base_.remove(path));
  files_.erase(path);
  return Status::ok();
}

Status FaultInjectionFileSystem::truncate(const std::string& path, std::uint64_t size) {
  std::lock_guard lock(mu_);
  SEXTANT_RETURN_IF_ERROR(beginMutation());
  if (truncate_failures_ > 0) {
    --truncate_failures_;
    return errnoToStatus(truncate_errno_, "injected truncate failure");
  }
  SEXTANT_RETURN_IF_ERROR(base_.truncate(path, size));
  auto it = files_.find(path);
  if (it != files_.end()) it->second->size = it->second->synced = size;
  return Status::ok();
}

}  // namespace sextant::testing
