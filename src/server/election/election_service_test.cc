#include "server/election/election_service.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace sextant::server::election {
namespace {

using namespace std::chrono_literals;
using TimePoint = std::chrono::steady_clock::time_point;

// A hand-driven clock: tests advance it; nothing sleeps.
struct FakeClock {
  TimePoint now = TimePoint{} + 1000h;
  SteadyClock fn() {
    return [this] { return now; };
  }
};

class ElectionServiceTest : public ::testing::Test {
 protected:
  ElectionService& make(std::chrono::milliseconds lease = 15s, int reply_interval = 4,
                        size_t max_seats = 100) {
    ElectionServiceOptions o;
    o.lease = lease;
    o.reply_interval = reply_interval;
    o.max_seats = max_seats;
    o.clock = clock_.fn();
    service_ = std::make_unique<ElectionService>(o);
    return *service_;
  }
  static ElectionReply reply(bool success, const std::string& ns, const std::string& id,
                             const std::string& incumbent, const std::string& error_msg = "",
                             int interval = 4) {
    ElectionReply r;
    r.success = success;
    r.election_namespace = ns;
    r.id = id;
    r.incumbency_id = incumbent;
    r.error_msg = error_msg;
    r.interval = interval;
    return r;
  }

  FakeClock clock_;
  std::unique_ptr<ElectionService> service_;
};

constexpr const char* kNoLease = "no live lease for this id";

TEST_F(ElectionServiceTest, FirstCampaignerWinsAnEmptySeatOthersAreDefeated) {
  ElectionService& s = make();
  EXPECT_EQ(s.campaign("ws1", "default", "a"), reply(true, "default", "a", "a"));
  EXPECT_EQ(s.campaign("ws1", "default", "b"), reply(false, "default", "b", "a"));
  EXPECT_EQ(s.campaign("ws1", "default", "c"), reply(false, "default", "c", "a"));
  ElectionStats st = s.stats();
  EXPECT_EQ(st.campaigns, 3u);
  EXPECT_EQ(st.elections, 1u);
  EXPECT_EQ(st.seats, 1u);
}

TEST_F(ElectionServiceTest, HolderRenewsByHeartbeatAndByCampaign) {
  ElectionService& s = make(15s);
  ASSERT_TRUE(s.campaign("ws1", "ns", "a").success);
  // Heartbeats every 10 s keep the 15 s lease alive well past its first expiry.
  for (int i = 0; i < 5; ++i) {
    clock_.now += 10s;
    EXPECT_EQ(s.heartbeat("ws1", "ns", "a"), reply(true, "ns", "a", "a"));
    EXPECT_FALSE(s.campaign("ws1", "ns", "b").success);
  }
  // A campaign by the holder (DataKit restarted with the same hostname) also renews.
  clock_.now += 10s;
  EXPECT_EQ(s.campaign("ws1", "ns", "a"), reply(true, "ns", "a", "a"));
  clock_.now += 14s;
  EXPECT_FALSE(s.campaign("ws1", "ns", "b").success);
  EXPECT_EQ(s.stats().elections, 1u);
  EXPECT_EQ(s.stats().heartbeats, 5u);
}

TEST_F(ElectionServiceTest, SeatChangesHandsOnlyAfterTheLeaseExpires) {
  ElectionService& s = make(15s);
  ASSERT_TRUE(s.campaign("ws1", "default", "a").success);
  clock_.now += 15s - 1ms;
  EXPECT_EQ(s.campaign("ws1", "default", "b"), reply(false, "default", "b", "a"));
  clock_.now += 1ms;  // exactly at expiry the lease is over
  EXPECT_EQ(s.campaign("ws1", "default", "b"), reply(true, "default", "b", "b"));
  // The old holder's late heartbeat is a defeat naming the new leader; its campaign too.
  EXPECT_EQ(s.heartbeat("ws1", "default", "a"), reply(false, "default", "a", "b", kNoLease));
  EXPECT_EQ(s.campaign("ws1", "default", "a"), reply(false, "default", "a", "b"));
  EXPECT_EQ(s.stats().elections, 2u);
}

TEST_F(ElectionServiceTest, HeartbeatAfterExpiryIsDefeatEvenIfNobodyTookTheSeat) {
  ElectionService& s = make(15s);
  ASSERT_TRUE(s.campaign("ws1", "default", "a").success);
  clock_.now += 20s;
  EXPECT_EQ(s.heartbeat("ws1", "default", "a"), reply(false, "default", "a", "", kNoLease));
  // It must campaign again, and wins the vacant seat as anyone would: a new term.
  EXPECT_EQ(s.campaign("ws1", "default", "a"), reply(true, "default", "a", "a"));
  EXPECT_EQ(s.stats().elections, 2u);
}

TEST_F(ElectionServiceTest, HeartbeatFromANonHolderIsDefeatAndChangesNothing) {
  ElectionService& s = make(15s);
  // No seat at all: defeat, and no seat is created.
  EXPECT_EQ(s.heartbeat("ws1", "default", "b"), reply(false, "default", "b", "", kNoLease));
  EXPECT_EQ(s.stats().seats, 0u);
  ASSERT_TRUE(s.campaign("ws1", "default", "a").success);
  clock_.now += 10s;
  EXPECT_EQ(s.heartbeat("ws1", "default", "b"), reply(false, "default", "b", "a", kNoLease));
  // b's heartbeat did not renew a's lease: it still ends 15 s after a's campaign.
  clock_.now += 5s;
  EXPECT_TRUE(s.campaign("ws1", "default", "b").success);
}

TEST_F(ElectionServiceTest, NamespacesAndWorkspacesAreIndependent) {
  ElectionService& s = make();
  EXPECT_TRUE(s.campaign("ws1", "ns1", "a").success);
  EXPECT_TRUE(s.campaign("ws1", "ns2", "b").success);
  EXPECT_TRUE(s.campaign("ws2", "ns1", "c").success);
  EXPECT_EQ(s.campaign("ws1", "ns1", "d"), reply(false, "ns1", "d", "a"));
  EXPECT_EQ(s.campaign("ws2", "ns2", "a"), reply(true, "ns2", "a", "a"));
  // The holder of one seat heartbeating another seat's key is a stranger there.
  EXPECT_FALSE(s.heartbeat("ws2", "ns1", "a").success);
  EXPECT_FALSE(s.heartbeat("ws1", "ns1", "c").success);

  std::vector<ElectionLeader> l = s.leaders();
  ASSERT_EQ(l.size(), 4u);
  const TimePoint t = clock_.now;
  EXPECT_EQ(l[0], (ElectionLeader{"ws1", "ns1", "a", t, t + 15s}));
  EXPECT_EQ(l[1], (ElectionLeader{"ws1", "ns2", "b", t, t + 15s}));
  EXPECT_EQ(l[2], (ElectionLeader{"ws2", "ns1", "c", t, t + 15s}));
  EXPECT_EQ(l[3], (ElectionLeader{"ws2", "ns2", "a", t, t + 15s}));
}

TEST_F(ElectionServiceTest, LeadersShowsOnlyLiveLeasesWithElectionTime) {
  ElectionService& s = make(15s);
  const TimePoint t0 = clock_.now;
  ASSERT_TRUE(s.campaign("ws1", "x", "a").success);
  clock_.now += 10s;
  ASSERT_TRUE(s.campaign("ws1", "y", "b").success);
  ASSERT_TRUE(s.heartbeat("ws1", "x", "a").success);
  std::vector<ElectionLeader> l = s.leaders();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], (ElectionLeader{"ws1", "x", "a", t0, t0 + 25s}));
  EXPECT_EQ(l[1], (ElectionLeader{"ws1", "y", "b", t0 + 10s, t0 + 25s}));
  clock_.now = t0 + 25s;
  EXPECT_TRUE(s.leaders().empty());
}

TEST_F(ElectionServiceTest, ReplyCarriesTheConfiguredInterval) {
  ElectionService& s = make(90s, 30);
  EXPECT_EQ(s.campaign("ws1", "default", "a"), reply(true, "default", "a", "a", "", 30));
  EXPECT_EQ(s.heartbeat("ws1", "default", "b"), reply(false, "default", "b", "a", kNoLease, 30));
}

TEST_F(ElectionServiceTest, ExpiredSeatsAreSweptLazilyAndByHand) {
  ElectionService& s = make(15s);
  for (std::string ns : {"n1", "n2", "n3"}) ASSERT_TRUE(s.campaign("ws", ns, "a").success);
  EXPECT_EQ(s.stats().seats, 3u);
  clock_.now += 5s;
  ASSERT_TRUE(s.heartbeat("ws", "n3", "a").success);
  clock_.now += 11s;  // n1, n2 expired; n3 lives until +20 s
  EXPECT_EQ(s.sweep(), 2u);
  EXPECT_EQ(s.stats().seats, 1u);
  EXPECT_EQ(s.sweep(), 0u);

  // Lazily: a call made a lease period after the last sweep drops expired seats by itself.
  for (std::string ns : {"m1", "m2"}) ASSERT_TRUE(s.campaign("ws", ns, "a").success);
  EXPECT_EQ(s.stats().seats, 3u);
  clock_.now += 40s;
  EXPECT_FALSE(s.heartbeat("ws", "other", "a").success);
  EXPECT_EQ(s.stats().seats, 0u);
}

TEST_F(ElectionServiceTest, SweepingIsInvisibleToClients) {
  // The same history with and without sweeping the expired seat gives the same answers.
  for (bool sweep : {false, true}) {
    SCOPED_TRACE(sweep);
    ElectionService& s = make(15s);
    const TimePoint t0 = clock_.now;
    EXPECT_TRUE(s.campaign("ws", "other", "z").success);  // lazy sweep now, next at t0+15 s
    clock_.now = t0 + 1s;
    ASSERT_TRUE(s.campaign("ws", "default", "a").success);  // lease to t0+16 s
    clock_.now = t0 + 15s;
    // Any call now runs the lazy sweep ("other" has just expired and is taken again; a lives).
    EXPECT_TRUE(s.campaign("ws", "other", "z").success);
    clock_.now = t0 + 17s;
    if (sweep) {
      EXPECT_EQ(s.sweep(), 1u);
    }
    EXPECT_EQ(s.stats().seats, sweep ? 1u : 2u);
    EXPECT_EQ(s.heartbeat("ws", "default", "a"), reply(false, "default", "a", "", kNoLease));
    EXPECT_EQ(s.campaign("ws", "default", "b"), reply(true, "default", "b", "b"));
    EXPECT_EQ(s.stats().elections, 4u);
  }
}

TEST_F(ElectionServiceTest, SeatLimitRefusesNewSeatsUntilOneExpires) {
  ElectionService& s = make(15s, 4, /*max_seats=*/2);
  const TimePoint t0 = clock_.now;
  ASSERT_TRUE(s.campaign("ws", "n1", "a").success);  // lease to t0+15 s; lazy sweep at t0+15 s
  clock_.now = t0 + 5s;
  ASSERT_TRUE(s.campaign("ws", "n2", "a").success);  // lease to t0+20 s
  clock_.now = t0 + 10s;
  EXPECT_EQ(s.campaign("ws", "n3", "a"),
            reply(false, "n3", "a", "", "too many election seats (2)"));
  // Existing seats keep working at the limit.
  EXPECT_TRUE(s.heartbeat("ws", "n1", "a").success);  // lease to t0+25 s
  EXPECT_FALSE(s.campaign("ws", "n2", "b").success);
  EXPECT_EQ(s.stats().seats_exhausted, 1u);
  clock_.now = t0 + 15s;
  EXPECT_FALSE(s.campaign("ws", "n3", "a").success);  // the lazy sweep finds nothing expired
  EXPECT_EQ(s.stats().seats_exhausted, 2u);
  EXPECT_EQ(s.stats().seats, 2u);
  // n2's lease is over: before refusing, the full table is swept, which makes room for n3.
  clock_.now = t0 + 20s;
  EXPECT_EQ(s.campaign("ws", "n3", "a"), reply(true, "n3", "a", "a"));
  EXPECT_EQ(s.stats().seats, 2u);
  EXPECT_EQ(s.stats().seats_exhausted, 2u);
  std::vector<ElectionLeader> l = s.leaders();
  ASSERT_EQ(l.size(), 2u);
  EXPECT_EQ(l[0], (ElectionLeader{"ws", "n1", "a", t0, t0 + 25s}));
  EXPECT_EQ(l[1], (ElectionLeader{"ws", "n3", "a", t0 + 20s, t0 + 35s}));
}

TEST(ElectionServiceOptions, Validate) {
  ElectionServiceOptions o;
  EXPECT_TRUE(o.validate().isOk());
  EXPECT_EQ(o.reply_interval, 4);
  EXPECT_EQ(o.lease, 15s);
  o.reply_interval = 0;
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  o.reply_interval = 86401;
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
  o.reply_interval = 4;
  o.lease = 4s;
  EXPECT_EQ(o.validate().message(),
            "election: lease (4000 ms) must be longer than the reply interval (4 s)");
  o.lease = 4001ms;
  EXPECT_TRUE(o.validate().isOk());
  o.max_seats = 0;
  EXPECT_EQ(o.validate().code(), StatusCode::kInvalidArgument);
}

TEST(ElectionService, DefaultClockIsSteadyClock) {
  ElectionService s;  // no clock seam: steady_clock; the default 15 s lease outlives this test
  EXPECT_TRUE(s.campaign("ws", "default", "a").success);
  EXPECT_TRUE(s.heartbeat("ws", "default", "a").success);
  EXPECT_EQ(s.leaders().size(), 1u);
}

}  // namespace
}  // namespace sextant::server::election
