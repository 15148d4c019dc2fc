// MetricsText: a writer of the Prometheus text exposition format (version 0.0.4), for the
// agent's and server's /metrics pages.
//
// Callers write each family's header with family() and then its samples with sample(); the
// writer escapes HELP text (\\ and \n) and label values (\\, \" and \n) and spells values as
// Prometheus does: integer-valued numbers without exponent or fraction ("42", "-3",
// "1000000000000"), others in the shortest form that reads back exactly ("0.25", "1e-07"), and
// "+Inf", "-Inf", "NaN". Names and label names are written as given (callers use constants).
// Summaries and histograms are written as their parts: sample("x_sum", ...), sample("x_count",
// ...).
// Not thread-safe: one writer per rendering.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sextant {

class MetricsText {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // "# HELP <name> <help>\n# TYPE <name> <type>\n"; type is counter, gauge, summary, histogram
  // or untyped. An empty help leaves out the HELP line.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // "<name>{k="v",...} <value>\n" (no braces without labels).
  void sample(std::string_view name, const Labels& labels, double value);

  // The text written so far; the writer is empty afterwards.
  std::string take();

  // The value as the exposition format spells it.
  static std::string formatValue(double value);
  // Appends `v` escaped as a label value (\\, \", \n).
  static void appendEscapedLabelValue(std::string_view v, std::string* out);
  // Appends `v` escaped as HELP text (\\, \n).
  static void appendEscapedHelp(std::string_view v, std::string* out);

 private:
  std::string out_;
};

}  // namespace sextant
