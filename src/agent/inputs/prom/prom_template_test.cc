// The `datakit/prom.instances` placeholders: plain replacement of $IP, $NAMESPACE, $PODNAME,
// $NODENAME in the annotation's TOML before it is parsed.
#include "agent/inputs/prom/prom_template.h"

#include <gtest/gtest.h>

namespace sextant::agent::inputs::prom {
namespace {

const PodFacts kPod{"10.244.1.7", "bookinfo", "productpage-v1-5f9dbcd669-x2x8k", "node-2"};

TEST(PromTemplate, ReplacesTheFourPlaceholders) {
  struct Case {
    const char* in;
    const char* out;
  } cases[] = {
      {"url = \"http://$IP:15020/stats/prometheus\"",
       "url = \"http://10.244.1.7:15020/stats/prometheus\""},
      {"namespace = \"$NAMESPACE\"", "namespace = \"bookinfo\""},
      {"pod = \"$PODNAME\"", "pod = \"productpage-v1-5f9dbcd669-x2x8k\""},
      {"node = \"$NODENAME\"", "node = \"node-2\""},
      // Every occurrence, several per line, adjacent ones.
      {"$IP $IP$IP", "10.244.1.7 10.244.1.710.244.1.7"},
      {"$NAMESPACE/$PODNAME@$NODENAME", "bookinfo/productpage-v1-5f9dbcd669-x2x8k@node-2"},
      // Not placeholders: other names, lower case, ${...}, a lone '$'.
      {"$HOST $ip ${IP} $ $POD", "$HOST $ip ${IP} $ $POD"},
      // Plain string replacement: a longer word starting with a placeholder is replaced too.
      {"$IPADDR", "10.244.1.7ADDR"},
      {"", ""},
  };
  for (const Case& c : cases) EXPECT_EQ(expandPromInstancesTemplate(c.in, kPod), c.out) << c.in;
}

TEST(PromTemplate, SuccessiveReplacementsAsDataKit) {
  // DataKit calls strings.ReplaceAll once per placeholder, $IP first: a value that itself holds a
  // later placeholder is replaced again, one that holds an earlier one is not.
  PodFacts pod{"$NAMESPACE", "ns", "$IP", "n"};
  EXPECT_EQ(expandPromInstancesTemplate("$IP|$PODNAME", pod), "ns|$IP");
  // Empty facts leave empty strings.
  EXPECT_EQ(expandPromInstancesTemplate("http://$IP:1/", PodFacts{}), "http://:1/");
}

}  // namespace
}  // namespace sextant::agent::inputs::prom
