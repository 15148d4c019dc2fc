#include "agent/inputs/host_common/regex_list.h"

#include <re2/re2.h>

namespace sextant::agent::inputs {

RegexList::RegexList() = default;
RegexList::~RegexList() = default;
RegexList::RegexList(RegexList&&) noexcept = default;
RegexList& RegexList::operator=(RegexList&&) noexcept = default;

Result<RegexList> RegexList::compile(const std::vector<std::string>& exprs,
                                     std::string_view option) {
  RegexList list;
  RE2::Options opts;
  opts.set_log_errors(false);
  for (const std::string& e : exprs) {
    if (e.empty()) continue;
    auto re = std::make_unique<RE2>(e, opts);
    if (!re->ok()) {
      return invalidArgument(std::string(option) + ": bad regular expression '" + e +
                             "': " + re->error());
    }
    list.res_.push_back(std::move(re));
  }
  return list;
}

bool RegexList::matchesAny(std::string_view s) const {
  for (const auto& re : res_) {
    if (RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re)) return true;
  }
  return false;
}

}  // namespace sextant::agent::inputs
