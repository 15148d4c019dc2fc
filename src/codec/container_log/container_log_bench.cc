// Container log line throughput (lines/s, MB/s): parsing single lines and feeding a Reassembler,
// for docker json-file and CRI. The corpus is 1000 application log lines of 60-250 bytes
// (request logs, JSON-in-JSON with escapes, a stack trace line, non-ASCII text), written in both
// formats with stdout and stderr mixed; BM_*Partials feeds 64 KiB records split the way the
// runtimes split them (16 KiB docker pieces, 16 KiB CRI P parts).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "codec/container_log/container_log.h"

namespace sextant::codec::container_log {
namespace {

// The application's own lines (what it printed, without "\n").
std::vector<std::string> appLines() {
  std::vector<std::string> out;
  for (int i = 0; i < 1000; ++i) {
    std::string l;
    switch (i % 5) {
      case 0:
        l = "10.0.3." + std::to_string(i % 250) +
            " - - [22/Nov/2026:01:00:00 +0000] \"GET /api/v1/orders/" + std::to_string(i * 7919) +
            " HTTP/1.1\" 200 " + std::to_string(512 + i) +
            " \"-\" \"Mozilla/5.0 (X11; Linux x86_64)\" rt=0.0" + std::to_string(i % 97);
        break;
      case 1:
        l = R"({"level":"info","ts":"2026-11-22T01:00:00.123Z","caller":"server/handler.go:)" +
            std::to_string(i) +
            R"(","msg":"request done","path":"/checkout","status":200,"latency_ms":)" +
            std::to_string(i % 300) + R"(,"trace_id":"4bf92f3577b34da6a3ce929d0e0e4736"})";
        break;
      case 2:
        l = "\tat com.example.shop.OrderService.place(OrderService.java:" + std::to_string(i) + ")";
        break;
      case 3:
        l = "2026-11-22 01:00:00.123 WARN  [pool-" + std::to_string(i % 8) +
            "] café commande refusée: délai dépassé (用户 " + std::to_string(i) + ")";
        break;
      default: l = "I1122 01:00:00.123456       1 controller.go:" + std::to_string(i) + "] synced";
    }
    out.push_back(std::move(l));
  }
  return out;
}

// JSON string escaping as Go's encoding/json does it for docker (enough for this corpus).
std::string jsonEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\t': out += "\\t"; break;
      case '\n': out += "\\n"; break;
      case '<': out += "\\u003c"; break;
      case '>': out += "\\u003e"; break;
      default: out += c;
    }
  }
  return out;
}

std::string dockerLine(std::string_view text, bool last, int i) {
  return R"({"log":")" + jsonEscape(text) + (last ? "\\n" : "") + R"(","stream":")" +
         (i % 4 == 3 ? "stderr" : "stdout") + R"(","time":"2026-11-22T01:00:00.)" +
         std::to_string(100000000 + i) + "Z\"}";
}

std::string criLine(std::string_view text, bool last, int i) {
  return "2026-11-22T01:00:00." + std::to_string(100000000 + i) + "Z " +
         (i % 4 == 3 ? "stderr" : "stdout") + (last ? " F " : " P ") + std::string(text);
}

std::vector<std::string> corpus(Format f) {
  std::vector<std::string> out;
  int i = 0;
  for (const std::string& t : appLines()) {
    out.push_back(f == Format::kCri ? criLine(t, true, i) : dockerLine(t, true, i));
    ++i;
  }
  return out;
}

// 64 KiB records, 16 KiB per line, stdout only.
std::vector<std::string> partialCorpus(Format f) {
  std::string big;
  for (const std::string& t : appLines()) big += t + " ";
  std::vector<std::string> out;
  constexpr size_t kPiece = 16384;
  for (int r = 0; r < 8; ++r) {
    size_t start = r * 1000;
    while ((static_cast<unsigned char>(big[start]) & 0xC0) == 0x80) ++start;
    std::string_view rec = std::string_view(big).substr(start, 4 * kPiece);
    for (size_t off = 0; off < rec.size();) {
      // Docker would cut bytes and write U+FFFD for a split character; cut between characters.
      size_t n = std::min(kPiece, rec.size() - off);
      while (off + n < rec.size() && (static_cast<unsigned char>(rec[off + n]) & 0xC0) == 0x80) --n;
      bool last = off + n >= rec.size();
      std::string_view piece = rec.substr(off, n);
      off += n;
      out.push_back(f == Format::kCri ? criLine(piece, last, 0) : dockerLine(piece, last, 0));
    }
  }
  return out;
}

void setCounters(benchmark::State& state, const std::vector<std::string>& lines) {
  size_t bytes = 0;
  for (const std::string& l : lines) bytes += l.size() + 1;
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * lines.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
}

void BM_DockerParse(benchmark::State& state) {
  std::vector<std::string> lines = corpus(Format::kDockerJson);
  DockerLineParser parser;
  for (auto _ : state) {
    for (const std::string& l : lines) {
      Result<LineParts> p = parser.parse(l);
      if (!p.isOk()) state.SkipWithError(p.status().message().c_str());
      benchmark::DoNotOptimize(p->text.data());
    }
  }
  setCounters(state, lines);
}
BENCHMARK(BM_DockerParse);

void BM_CriParse(benchmark::State& state) {
  std::vector<std::string> lines = corpus(Format::kCri);
  for (auto _ : state) {
    for (const std::string& l : lines) {
      Result<LineParts> p = parseCriLine(l);
      if (!p.isOk()) state.SkipWithError(p.status().message().c_str());
      benchmark::DoNotOptimize(p->text.data());
    }
  }
  setCounters(state, lines);
}
BENCHMARK(BM_CriParse);

void reassemble(benchmark::State& state, Format f, const std::vector<std::string>& lines) {
  Reassembler r(f);
  std::vector<LogRecord> out;
  out.reserve(lines.size());
  for (auto _ : state) {
    out.clear();
    for (const std::string& l : lines) {
      Status st = r.feed(l, &out);
      if (!st.isOk()) state.SkipWithError(st.message().c_str());
    }
    benchmark::DoNotOptimize(out.data());
  }
  setCounters(state, lines);
}

void BM_DockerReassemble(benchmark::State& state) {
  reassemble(state, Format::kDockerJson, corpus(Format::kDockerJson));
}
BENCHMARK(BM_DockerReassemble);

void BM_CriReassemble(benchmark::State& state) {
  reassemble(state, Format::kCri, corpus(Format::kCri));
}
BENCHMARK(BM_CriReassemble);

void BM_DockerReassemblePartials(benchmark::State& state) {
  reassemble(state, Format::kDockerJson, partialCorpus(Format::kDockerJson));
}
BENCHMARK(BM_DockerReassemblePartials);

void BM_CriReassemblePartials(benchmark::State& state) {
  reassemble(state, Format::kCri, partialCorpus(Format::kCri));
}
BENCHMARK(BM_CriReassemblePartials);

}  // namespace
}  // namespace sextant::codec::container_log
