// The syntax tree of a Pipeline (Platypus) script, produced by parser.h and annotated by the
// compiler in script.cc (variable slots, bound built-ins, precompiled patterns).
//
// Ownership: a Script owns its tree; after compilation the tree is immutable and shared by all
// concurrent runs. Thread-safety: read-only after compile.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace sextant::pipeline {

struct Builtin;

enum class ExprKind : uint8_t {
  kNil,
  kBool,
  kInt,
  kFloat,
  kStr,
  kList,    // kids: elements
  kMap,     // kids: key0, value0, key1, value1, ...
  kIdent,   // name; slot
  kAttr,    // a.b: kids[0] object, name = attribute
  kIndex,   // a[i]: kids[0] object, kids[1] index
  kUnary,   // op: '!', '-', '+'; kids[0]
  kBinary,  // op; kids[0], kids[1] (also && || in ==)
  kAssign,  // op: '=', '+', '-', '*', '/', '%' (compound); kids[0] target, kids[1] value
  kCall,    // name; args (by parameter position once bound)
};

enum class Op : uint8_t {
  kNone,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kAnd,
  kOr,
  kIn,
  kNot,
};

// Data a built-in precomputes at compile time (a compiled grok pattern, a regex...).
struct CallData {
  virtual ~CallData() = default;
};

struct Expr {
  ExprKind kind = ExprKind::kNil;
  Op op = Op::kNone;
  int line = 0;
  int col = 0;
  bool b = false;
  int64_t i = 0;
  double f = 0;
  std::string s;  // identifier / attribute / function name, string literal
  int slot = -1;  // kIdent: the variable slot
  std::vector<std::unique_ptr<Expr>> kids;

  // kCall: arguments as written (named ones carry their name), then, once bound, `args` holds
  // one pointer per parameter of the built-in (nullptr when omitted; extra variadic args follow).
  std::vector<std::string> arg_names;
  std::vector<const Expr*> args;
  const Builtin* fn = nullptr;
  std::unique_ptr<CallData> data;
};

enum class StmtKind : uint8_t { kExpr, kIf, kForIn, kFor, kBreak, kContinue };

struct Stmt;
using Block = std::vector<std::unique_ptr<Stmt>>;

struct Stmt {
  StmtKind kind = StmtKind::kExpr;
  int line = 0;
  int col = 0;
  std::unique_ptr<Expr> expr;  // kExpr: the expression; kFor: the condition (may be null);
                               // kForIn: the iterated value
  // kIf: conds[i] guards blocks[i]; blocks may have one more entry (else).
  std::vector<std::unique_ptr<Expr>> conds;
  std::vector<Block> blocks;   // kFor / kForIn: blocks[0] is the body
  std::unique_ptr<Expr> init;  // kFor (may be null)
  std::unique_ptr<Expr> step;  // kFor (may be null)
  std::unique_ptr<Expr> var;   // kForIn: the loop variable (an identifier)
};

struct Program {
  Block body;
};

}  // namespace sextant::pipeline
