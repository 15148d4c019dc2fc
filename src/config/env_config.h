// Container (DaemonSet) mode: the ENV_* variables of DataKit (reference §4.3) applied onto a
// MainConfig, and the per-input ENV_INPUT_<INPUT>_<KEY> variables.
//
// DataKit semantics mirrored (README.md lists every variable and quirk):
// - a boolean variable is on when it is set to any non-empty string ("false" included);
// - an empty variable counts as unset;
// - lists are comma-separated (ENV_DEFAULT_ENABLED_INPUTS also splits on spaces, "-" = none);
//   items are trimmed and empty items dropped;
// - tag lists are "k=v,k2=v2";
// - the new name wins over the legacy one (ENV_GLOBAL_HOST_TAGS over ENV_GLOBAL_TAGS, ...);
// - the election variables are read only when ENV_ENABLE_ELECTION is set.
// Unlike DataKit (which logs and ignores), a value that does not parse (ENV_HTTP_TIMEOUT=abc)
// is an InvalidArgument naming the variable and the value; range quirks (retry count clamped to
// [1,10], cache count below 1000 ignored, ...) are mirrored.
//
// Free functions over plain values; processEnv() reads the process environment (call it before
// starting threads that may setenv).
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "config/main_config.h"
#include "core/status.h"

namespace sextant::config {

using EnvMap = std::map<std::string, std::string>;

// Applies `env` onto *cfg (which holds defaults, or datakit.conf's values). On error *cfg may be
// partly updated.
Status applyEnv(MainConfig* cfg, const EnvMap& env);

// The ENV_INPUT_<INPUT>_<KEY> variables of one input (its name upper-cased), keyed by KEY:
// inputEnv(env, "cpu") maps ENV_INPUT_CPU_PERCPU=true to {"PERCPU": "true"}. Empty values and
// empty KEYs are skipped.
EnvMap inputEnv(const EnvMap& env, std::string_view input);

// The ENV_* and DK_* variables of this process (plus the legacy NODE_NAME, which applyEnv reads).
EnvMap processEnv();

}  // namespace sextant::config
