// Internal: the interpreter state of one Script::run and the built-in function table.
// Not part of the public API (script.h is). Thread-safety: one Interp per run, on the stack.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "pipeline/ast.h"
#include "pipeline/funcs/grok.h"
#include "pipeline/value.h"

namespace sextant::pipeline {

class Script;
class Interp;

inline constexpr int kMaxValueDepth = 128;

// Compile-time context of the built-ins' check functions.
struct CompileCtx {
  std::string_view script;
  funcs::GrokLibrary* grok;  // add_pattern() extends it
  Status error(const Expr& at, std::string_view msg) const;
};

struct Builtin {
  std::string_view name;
  std::vector<std::string_view> params;
  size_t min_args;
  bool variadic;
  Status (*check)(Expr& call, CompileCtx& cc);  // optional: kinds of literal args, precompute
  Status (*run)(Interp& in, const Expr& call, Value* out);
};

const Builtin* findBuiltin(std::string_view name);

// The key name an argument denotes: an identifier (`_` is `message`), `a.b` (the key "a.b") or a
// string literal. nullopt for other expressions.
std::optional<std::string> keyName(const Expr* e);

class Interp {
 public:
  Interp(const Script& script, model::Point* pt, int64_t now_ns);

  Status execBlock(const Block& b);
  Status eval(const Expr& e, Value* out);

  // Point keys: tags first, then fields.
  std::optional<Value> getKey(std::string_view key) const;
  // Writes a key: an existing tag keeps being a tag (its value as text); otherwise a field.
  // nil deletes the key.
  void setKey(std::string_view key, const Value& v);
  void setTag(std::string_view key, std::string value);
  bool deleteKey(std::string_view key);

  // A key argument (keyName): a set local variable of that name first, then the point key.
  Value readKeyArg(const Expr* e);
  // Writes through a key argument: a set local variable, else the point key.
  void writeKeyArg(const Expr* e, const Value& v);

  Status error(const Expr& at, std::string_view msg) const;
  Status checkStringSize(const Expr& at, size_t n) const;
  // Charges n units (bytes copied, list elements copied) against the run's work budget, so a
  // script cannot spend unbounded time growing values; an error when it is used up.
  Status charge(const Expr& at, size_t n);
  // Before a value is stored inside a list or map (`target`, may be null): refuses a store that
  // would make a cycle (which would leak and recurse forever) or nest values deeper than
  // kMaxValueDepth (deep trees would overflow the stack when compared or freed).
  Status checkStore(const Expr& at, const Value& v, const void* target);

  const Script& script() const { return script_; }
  model::Point* point() { return pt_; }
  int64_t nowNs() const { return now_ns_; }
  bool dropped = false;
  bool exited = false;

 private:
  enum class Flow { kNormal, kBreak, kContinue };
  Status exec(const Stmt& s);
  Status execBody(const Block& b);
  Status assign(const Expr& target, Value v);
  Status binary(const Expr& e, const Value& a, const Value& b, Value* out);
  Status loopTick(const Stmt& s);

  const Script& script_;
  model::Point* pt_;
  int64_t now_ns_;
  std::vector<Value> slots_;
  std::vector<bool> set_;
  Flow flow_ = Flow::kNormal;
  int64_t loop_budget_;
  int64_t work_budget_;
};

}  // namespace sextant::pipeline
