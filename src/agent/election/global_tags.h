// GlobalTags: the agent's global host tags and global election tags ([global_host_tags],
// [election.tags] / ENV_GLOBAL_HOST_TAGS, ENV_GLOBAL_ELECTION_TAGS), read on every point and
// changed at run time through /v1/global/{host,election}/tags.
//
// Reads are snapshots: hostTags() / electionTags() hand out a shared_ptr to an immutable map that
// later changes never touch (copy-on-write): the hot path takes no mutex (one atomic shared_ptr
// load) and a caller may keep a snapshot as long as it likes. With election disabled,
// electionTags() is the host tags (DataKit: "with election disabled, election tags := host tags").
//
// Changes may be persisted: an optional TagPersister (ConfFilePersister in host mode: written back
// into datakit.conf) is called before the in-memory change, as DataKit does; a persistence failure
// is reported in the result but the in-memory change is still made (DataKit logs and goes on).
//
// Thread-safety: every method may be called from any thread; writers are serialized.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_system.h"
#include "core/status.h"

namespace sextant::agent::election {

using TagMap = std::map<std::string, std::string>;
using TagSnapshot = std::shared_ptr<const TagMap>;

enum class TagTable { kHost, kElection };

// Persists one change of one tag table. Implementations are called with GlobalTags' writer lock
// held (so one at a time).
class TagPersister {
 public:
  virtual ~TagPersister() = default;
  // Sets `set` (new or changed keys) and removes `remove` from `table`. Keys absent from the
  // persisted table are ignored by removal; no change means no write.
  virtual Status apply(TagTable table, const TagMap& set,
                       const std::vector<std::string>& remove) = 0;
};

struct TagUpdate {
  bool changed = false;  // the in-memory table changed
  Status persisted;      // ok, or why the persister failed (the in-memory change was made)
};

class GlobalTags {
 public:
  GlobalTags(TagMap host_tags, TagMap election_tags, bool election_enabled,
             std::shared_ptr<TagPersister> persister = nullptr);

  TagSnapshot hostTags() const { return host_.load(std::memory_order_acquire); }
  // The election tags; the host tags when election is disabled.
  TagSnapshot electionTags() const {
    return election_enabled_ ? election_.load(std::memory_order_acquire) : hostTags();
  }
  bool electionEnabled() const { return election_enabled_; }

  // Merges `set` into the table (DataKit's updateMerge). With election disabled, kElection
  // changes are kept (and persisted) but not seen: electionTags() shows the host tags.
  TagUpdate set(TagTable table, const TagMap& set);
  // Removes keys (DataKit's deleteMerge); absent keys are ignored.
  TagUpdate remove(TagTable table, const std::vector<std::string>& keys);

 private:
  std::atomic<TagSnapshot>& slot(TagTable table);

  const bool election_enabled_;
  const std::shared_ptr<TagPersister> persister_;
  std::mutex write_mu_;
  std::atomic<TagSnapshot> host_;
  std::atomic<TagSnapshot> election_;
};

// Rewrites the body of the TOML table [table_name] (a dotted name, e.g. "election.tags") so that
// it holds exactly `values` as string key/values, and returns the new document:
// - every line outside that table's body is kept byte for byte, comments and blank lines in the
//   body are kept too;
// - an entry whose value is already the wanted string is kept as written; a changed entry has
//   only its value replaced by a basic string (indent, key as written, spacing and a trailing
//   comment stay); an entry not in `values` is removed (all lines of a multi-line value);
// - new keys are added after the table's last entry, with that entry's indent ("  " if none);
// - a missing table is appended at the end ("\n[name]\n  k = \"v\"\n"), unless values is empty.
// Keys in the table that are dotted (a.b = ...) are kept untouched. InvalidArgument when the text
// cannot be scanned as TOML (unterminated string or bracket, bad header or key) or the table is
// declared as an array of tables. The result is not re-validated here: callers that write it to
// disk should parse it (ConfFilePersister does).
Result<std::string> replaceTomlTable(std::string_view toml_text, std::string_view table_name,
                                     const TagMap& values);

// Reads the string key/values of table [table_name] from a TOML document ({} when the table is
// absent). InvalidArgument when the document does not parse or a value is not a string (DataKit
// decodes these tables as map[string]string and gives up on such a file).
Result<TagMap> readTomlStringTable(std::string_view toml_text, std::string_view table_name);

// The host-mode persister: datakit.conf is read, the table ([global_host_tags] or
// [election.tags]) is merged as DataKit does (updateMerge / deleteMerge over the file's own
// values, so "$datakit_ip"-style magic values stay), rewritten with replaceTomlTable, parsed back
// to check, and written with writeFileAtomically. A missing or unparsable file is an error and
// nothing is written (DataKit likewise skips the dump). Borrows `fs`, which must outlive it.
class ConfFilePersister : public TagPersister {
 public:
  ConfFilePersister(FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  Status apply(TagTable table, const TagMap& set, const std::vector<std::string>& remove) override;

 private:
  FileSystem& fs_;
  const std::string path_;
  std::mutex mu_;
};

}  // namespace sextant::agent::election
