// The small fixed dataset of the DQL evaluator's tests and of its fuzz target
// (evaluator_fuzz.cc): plain points with hand-picked values, and a writer of all of them into an
// engine. No gtest here (the fuzz tree links no test framework). Test-only; header-only.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "model/point.h"
#include "storage/engine/storage_engine.h"
#include "storage/engine/testing/test_engine.h"

namespace sextant::query::dql_exec::testing {

// 2025-11-21 04:40:00 UTC in ms: a multiple of one minute (and of 30 s, 15 s, 10 s).
constexpr std::int64_t kT0 = 1'763'700'000'000;
constexpr std::int64_t kMs = 1'000'000;  // ns per ms

inline model::Point point(std::string m, std::vector<model::Tag> tags,
                          std::vector<model::Field> fields, std::int64_t t_ms) {
  model::Point p;
  p.measurement = std::move(m);
  p.tags = std::move(tags);
  p.fields = std::move(fields);
  p.time_ns = t_ms * kMs;
  return p;
}

// cpu.usage (float): a/c1 at +0 +30 +60 +90 s = 10 20 30 40; b/c1 at +10 +70 s = 1 3;
// c/c2 at +30 s = 100.
inline std::vector<model::Point> cpuPoints() {
  auto cpu = [](std::string host, std::string cluster, double v, std::int64_t s) {
    return point("cpu", {{"cluster", std::move(cluster)}, {"host", std::move(host)}},
                 {{"usage", v}}, kT0 + s * 1000);
  };
  return {cpu("a", "c1", 10, 0),  cpu("a", "c1", 20, 30), cpu("a", "c1", 30, 60),
          cpu("a", "c1", 40, 90), cpu("b", "c1", 1, 10),  cpu("b", "c1", 3, 70),
          cpu("c", "c2", 100, 30)};
}

// net.bytes (int counter): a every 15 s from +0: 0 150 300 450 600 60(reset) 210;
// b at +0 +30 +60 +90 s: 1000 1600 1900 2800.
inline std::vector<model::Point> netPoints() {
  auto net = [](std::string host, std::int64_t v, std::int64_t s) {
    return point("net", {{"host", std::move(host)}}, {{"bytes", v}}, kT0 + s * 1000);
  };
  return {net("a", 0, 0),     net("a", 150, 15),  net("a", 300, 30), net("a", 450, 45),
          net("a", 600, 60),  net("a", 60, 75),   net("a", 210, 90), net("b", 1000, 0),
          net("b", 1600, 30), net("b", 1900, 60), net("b", 2800, 90)};
}

// logging nginx (tags host, status; fields message, bytes) at +1 +2 +3 +4 +65 s.
inline std::vector<model::Point> logPoints() {
  auto log = [](std::string host, std::string status, std::string msg, std::int64_t bytes,
                std::int64_t s) {
    return point("nginx", {{"host", std::move(host)}, {"status", std::move(status)}},
                 {{"message", std::move(msg)}, {"bytes", bytes}}, kT0 + s * 1000);
  };
  return {log("web-1", "200", "GET /index ok", 100, 1),
          log("web-2", "500", "upstream timeout error", 10, 2),
          log("web-1", "404", "not found", 20, 3), log("web-1", "500", "database error", 30, 4),
          log("web-2", "200", "GET /health ok", 50, 65)};
}

// Objects of class kubelet_pod (name, namespace tags; status, restarts fields): two writes,
// pod-1 Running (1) and pod-2 Pending (0) at +0 s, then pod-1 Failed (3) at +10 s.
inline std::vector<model::Point> podPoints(int write) {
  auto pod = [](std::string name, std::string ns, std::string status, std::int64_t restarts,
                std::int64_t s) {
    return point("kubelet_pod", {{"name", std::move(name)}, {"namespace", std::move(ns)}},
                 {{"status", std::move(status)}, {"restarts", restarts}}, kT0 + s * 1000);
  };
  if (write == 0) {
    return {pod("pod-1", "default", "Running", 1, 0), pod("pod-2", "kube-system", "Pending", 0, 0)};
  }
  return {pod("pod-1", "default", "Failed", 3, 10)};
}

// Objects of class ecs (name tag; hostname, region, cl fields): ecs-1 (a, r1, c1) at +0 s,
// ecs-2 (c, r2, c1) at +10 s, ecs-3 (z, r1, c9) at +20 s.
inline std::vector<model::Point> ecsPoints() {
  auto ecs = [](std::string name, std::string host, std::string region, std::string cl,
                std::int64_t s) {
    return point(
        "ecs", {{"name", std::move(name)}},
        {{"hostname", std::move(host)}, {"region", std::move(region)}, {"cl", std::move(cl)}},
        kT0 + s * 1000);
  };
  return {ecs("ecs-1", "a", "r1", "c1", 0), ecs("ecs-2", "c", "r2", "c1", 10),
          ecs("ecs-3", "z", "r1", "c9", 20)};
}

// Objects of class site: one, host = web-2.
inline std::vector<model::Point> sitePoints() {
  return {point("site", {{"name", "s1"}}, {{"host", "web-2"}}, kT0)};
}

// Writes all of the above into workspace ws (the fuzz target's dataset).
inline Status writeAll(storage::StorageEngine& e, std::string_view ws) {
  using model::Category;
  auto w = [&](Category c, std::vector<model::Point> pts) {
    return storage::testing::writePoints(e, ws, c, std::move(pts));
  };
  SEXTANT_RETURN_IF_ERROR(w(Category::kMetric, cpuPoints()));
  SEXTANT_RETURN_IF_ERROR(w(Category::kMetric, netPoints()));
  SEXTANT_RETURN_IF_ERROR(w(Category::kLogging, logPoints()));
  SEXTANT_RETURN_IF_ERROR(w(Category::kObject, podPoints(0)));
  SEXTANT_RETURN_IF_ERROR(w(Category::kObject, podPoints(1)));
  SEXTANT_RETURN_IF_ERROR(w(Category::kObject, ecsPoints()));
  return w(Category::kObject, sitePoints());
}

}  // namespace sextant::query::dql_exec::testing
