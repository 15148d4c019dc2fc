#include "model/point.h"

#include <algorithm>
#include <charconv>
#include <ostream>

namespace sextant::model {

size_t Array::size() const {
  return std::visit([](const auto& v) { return v.size(); }, items);
}

std::string_view fieldTypeName(FieldType t) {
  switch (t) {
    case FieldType::kInt: return "int";
    case FieldType::kUint: return "uint";
    case FieldType::kFloat: return "float";
    case FieldType::kBool: return "bool";
    case FieldType::kString: return "string";
    case FieldType::kBytes: return "bytes";
    case FieldType::kArray: return "array";
  }
  return "unknown";
}

namespace {
template <typename Vec>
auto findByKey(Vec& v, std::string_view key) -> decltype(v.data()) {
  for (auto& e : v) {
    if (e.key == key) return &e;
  }
  return nullptr;
}

template <typename T>
std::vector<const T*> sortedByKey(const std::vector<T>& v) {
  std::vector<const T*> out;
  out.reserve(v.size());
  for (const auto& e : v) out.push_back(&e);
  std::stable_sort(out.begin(), out.end(), [](const T* a, const T* b) { return a->key < b->key; });
  return out;
}

template <typename T>
bool sameUnordered(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return false;
  auto sa = sortedByKey(a);
  auto sb = sortedByKey(b);
  for (size_t i = 0; i < sa.size(); ++i) {
    if (!(*sa[i] == *sb[i])) return false;
  }
  return true;
}

void appendScalar(std::string& out, int64_t v) { out += std::to_string(v) + "i"; }
void appendScalar(std::string& out, uint64_t v) { out += std::to_string(v) + "u"; }
void appendScalar(std::string& out, double v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof(buf), v);
  out.append(buf, r.ptr);
}
void appendScalar(std::string& out, bool v) { out += v ? "true" : "false"; }
void appendScalar(std::string& out, const std::string& v) { out += "\"" + v + "\""; }
void appendScalar(std::string& out, const Bytes& v) {
  out += "bytes[" + std::to_string(v.data.size()) + "]";
}
}  // namespace

const Tag* Point::findTag(std::string_view key) const { return findByKey(tags, key); }
Tag* Point::findTag(std::string_view key) { return findByKey(tags, key); }
const Field* Point::findField(std::string_view key) const { return findByKey(fields, key); }
Field* Point::findField(std::string_view key) { return findByKey(fields, key); }

bool Point::operator==(const Point& other) const {
  return category == other.category && measurement == other.measurement &&
         time_ns == other.time_ns && sameUnordered(tags, other.tags) &&
         sameUnordered(fields, other.fields);
}

std::string debugString(const Point& p) {
  std::string out(categoryName(p.category));
  out += ":" + p.measurement + "{";
  for (size_t i = 0; i < p.tags.size(); ++i) {
    if (i) out += ",";
    out += p.tags[i].key + "=" + p.tags[i].value;
  }
  out += "} ";
  for (size_t i = 0; i < p.fields.size(); ++i) {
    if (i) out += ",";
    out += p.fields[i].key + "=";
    std::visit(
        [&out](const auto& v) {
          using V = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<V, Array>) {
            out += "[";
            std::visit(
                [&out](const auto& items) {
                  for (size_t k = 0; k < items.size(); ++k) {
                    if (k) out += ",";
                    using E = typename std::decay_t<decltype(items)>::value_type;
                    appendScalar(out, static_cast<E>(items[k]));
                  }
                },
                v.items);
            out += "]";
          } else {
            appendScalar(out, v);
          }
        },
        p.fields[i].value);
  }
  out += " @" + std::to_string(p.time_ns);
  return out;
}

void PrintTo(const Point& p, std::ostream* os) { *os << debugString(p); }

}  // namespace sextant::model
