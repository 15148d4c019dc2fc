#include "model/testing/random_points.h"

#include <cmath>
#include <set>
#include <string>

namespace sextant::model::testing {

namespace {

std::string randomName(std::mt19937_64& rng, bool odd) {
  static constexpr std::string_view kPlain = "abcdefghijklmnopqrstuvwxyz_0123456789";
  static const std::vector<std::string> kOdd = {" ", ",",  "=", "\"", "\\",
                                                "é", "中", "-", ".",  "'"};
  std::uniform_int_distribution<int> len(1, 12);
  std::uniform_int_distribution<size_t> plain(0, kPlain.size() - 1);
  std::uniform_int_distribution<size_t> oddi(0, kOdd.size() - 1);
  std::uniform_int_distribution<int> coin(0, 9);
  std::string s;
  int n = len(rng);
  for (int i = 0; i < n; ++i) {
    if (odd && coin(rng) == 0) {
      s += kOdd[oddi(rng)];
    } else {
      s += kPlain[plain(rng)];
    }
  }
  // A trailing backslash cannot be written in line protocol names; keep names portable.
  while (!s.empty() && s.back() == '\\') s.back() = 'x';
  if (s.front() == '#') s.front() = 'h';
  return s;
}

std::string randomText(std::mt19937_64& rng) {
  static const std::vector<std::string> kPieces = {"a", "b c",  "\"",     "\\", "\n", "=",     ",",
                                                   "é", "中文", "{json}", " ",  "\t", "x\\\"y"};
  std::uniform_int_distribution<int> len(0, 8);
  std::uniform_int_distribution<size_t> pick(0, kPieces.size() - 1);
  std::string s;
  int n = len(rng);
  for (int i = 0; i < n; ++i) s += kPieces[pick(rng)];
  return s;
}

double randomDouble(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 4);
  switch (kind(rng)) {
    case 0: return 0.0;
    case 1: return std::uniform_real_distribution<double>(-1e6, 1e6)(rng);
    case 2:
      return std::ldexp(std::uniform_real_distribution<double>(-1, 1)(rng),
                        std::uniform_int_distribution<int>(-300, 300)(rng));
    case 3: return static_cast<double>(std::uniform_int_distribution<int>(-1000, 1000)(rng));
    default: return std::round(std::uniform_real_distribution<double>(0, 100)(rng) * 100) / 100;
  }
}

int64_t randomInt(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 2);
  switch (kind(rng)) {
    case 0: return std::uniform_int_distribution<int64_t>(-100, 100)(rng);
    case 1: return std::uniform_int_distribution<int64_t>(INT64_MIN, INT64_MAX)(rng);
    default: return kind(rng) ? INT64_MAX : INT64_MIN;
  }
}

FieldValue randomValue(std::mt19937_64& rng, const RandomPointOptions& o) {
  std::vector<int> kinds = {0, 2, 3};
  if (o.uints) kinds.push_back(1);
  if (o.strings) kinds.push_back(4);
  if (o.bytes) kinds.push_back(5);
  if (o.arrays) kinds.push_back(6);
  int kind = kinds[std::uniform_int_distribution<size_t>(0, kinds.size() - 1)(rng)];
  switch (kind) {
    case 0: return randomInt(rng);
    case 1: return std::uniform_int_distribution<uint64_t>(0, UINT64_MAX)(rng);
    case 2: return randomDouble(rng);
    case 3: return std::uniform_int_distribution<int>(0, 1)(rng) == 1;
    case 4: return randomText(rng);
    case 5: {
      std::string b;
      int n = std::uniform_int_distribution<int>(0, 16)(rng);
      for (int i = 0; i < n; ++i) b.push_back(static_cast<char>(rng() & 0xff));
      return Bytes{b};
    }
    default: {
      int n = std::uniform_int_distribution<int>(1, 4)(rng);
      std::vector<int> elem = {0, 1, 2};
      if (o.strings) elem.push_back(3);
      switch (elem[std::uniform_int_distribution<size_t>(0, elem.size() - 1)(rng)]) {
        case 0: {
          std::vector<int64_t> v;
          for (int i = 0; i < n; ++i) v.push_back(randomInt(rng));
          return Array{v};
        }
        case 1: {
          std::vector<double> v;
          for (int i = 0; i < n; ++i) v.push_back(randomDouble(rng));
          return Array{v};
        }
        case 2: {
          std::vector<bool> v;
          for (int i = 0; i < n; ++i) v.push_back(rng() & 1);
          return Array{v};
        }
        default: {
          std::vector<std::string> v;
          for (int i = 0; i < n; ++i) v.push_back(randomText(rng));
          return Array{v};
        }
      }
    }
  }
}

}  // namespace

Point randomPoint(std::mt19937_64& rng, const RandomPointOptions& o) {
  Point p;
  p.category = o.category;
  p.measurement = randomName(rng, o.odd_chars);
  std::set<std::string> used;
  auto uniqueName = [&]() {
    for (;;) {
      std::string k = randomName(rng, o.odd_chars);
      if (used.insert(k).second) return k;
    }
  };
  int ntags = std::uniform_int_distribution<int>(0, o.max_tags)(rng);
  for (int i = 0; i < ntags; ++i) p.addTag(uniqueName(), randomName(rng, o.odd_chars));
  int nfields = std::uniform_int_distribution<int>(1, std::max(1, o.max_fields))(rng);
  for (int i = 0; i < nfields; ++i) p.addField(uniqueName(), randomValue(rng, o));
  p.time_ns = std::uniform_int_distribution<int64_t>(1'000'000'000'000'000'000LL,
                                                     4'000'000'000'000'000'000LL)(rng);
  return p;
}

bool containsNan(std::span<const Point> pts) {
  for (const Point& p : pts) {
    for (const auto& f : p.fields) {
      if (const auto* d = std::get_if<double>(&f.value); d != nullptr && std::isnan(*d))
        return true;
      if (const auto* a = std::get_if<Array>(&f.value)) {
        if (const auto* v = std::get_if<std::vector<double>>(&a->items)) {
          for (double x : *v) {
            if (std::isnan(x)) return true;
          }
        }
      }
    }
  }
  return false;
}

}  // namespace sextant::model::testing
