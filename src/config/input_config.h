// Input configs: every [[inputs.<name>]] (or single [inputs.<name>]) table of the *.conf files
// under conf.d, as ConfigTables for the input registry to build inputs from.
//
// Loading mirrors DataKit's (internal/config/load_inputconf.go): every file whose name ends in
// ".conf" under the directory, recursively, in path order; any file named datakit.conf is
// skipped (it is the main config); ".git" directories are skipped, and so are directories whose
// name starts with ".." (Kubernetes ConfigMap volumes hold "..data" and "..2024_..." directories
// beside symlinks to the same files; loading them would load every file twice). Symlinked files
// are followed; symlinked directories are not (Go's filepath.Walk does not either). Top-level
// tables other than [inputs] are ignored. Whether an input name is known is the registry's
// business, not this loader's.
//
// A file that cannot be read or parsed gives one error and the other files still load; a value
// under [inputs] that is not a table (or array of tables) gives an error naming file and line,
// and the file's other inputs still load.
//
// Free functions; results are plain values (ConfigTable shares its parsed document).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "config/config_table.h"

namespace sextant::config {

struct InputSection {
  std::string name;   // "cpu" for [[inputs.cpu]]
  ConfigTable table;  // the instance's table; path() "inputs.cpu"
};

struct InputConfigs {
  std::vector<InputSection> inputs;  // in file order, files in path order
  std::vector<std::string> errors;   // "<file>:<line>:<col>: <description>", "<file>:<line>: ..."
};

// Loads every input config under `conf_dir` (e.g. /usr/local/datakit/conf.d).
InputConfigs loadInputConfigs(const std::string& conf_dir);

// Parses one text holding input tables (a .conf file's content, or ENV_DATAKIT_INPUTS);
// `source_name` appears in errors and in the tables' file().
InputConfigs parseInputConfigText(std::string_view text, const std::string& source_name);

}  // namespace sextant::config
