// The `sextant pipeline` command: DataKit's `datakit pipeline` script debugger.
//
//   sextant pipeline -P x.p -T 'text'      run x.p on one message
//   sextant pipeline -P x.p -F lines.txt   run x.p on each line of a file
//   options: -C <category> (default logging), --date (time as RFC 3339 UTC instead of ns),
//            --pattern-dir <dir> (extra grok pattern files), -h / --help
//
// For each input line it prints the resulting point as one JSON object
// {"measurement":...,"tags":{...},"fields":{...},"time":...} or the word "dropped"; a runtime
// error is printed as `error: <script>:<line>:<col>: ...` before the point. A compile error is
// printed with its line:col and the exit code is 1; bad usage exits 2.
//
// Thread-safety: single-threaded; writes only to the given streams.
#pragma once

#include <iosfwd>

namespace sextant::pipeline {

int runPipelineCli(int argc, char** argv, std::ostream& out, std::ostream& err);
// Same, on std::cout / std::cerr (argv[0] is the subcommand name and is skipped).
int runPipelineCli(int argc, char** argv);

}  // namespace sextant::pipeline
