// The placeholders of a Kubernetes pod's `datakit/prom.instances` annotation (DataKit's container
// input, reference §1.4): `$IP` (status.podIP), `$NAMESPACE`, `$PODNAME` and `$NODENAME`
// (spec.nodeName) are replaced by plain string replacement in the annotation's TOML text before
// it is parsed; nothing else is a placeholder. Pure function; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace sextant::agent::inputs::prom {

// The facts of one pod the placeholders stand for.
struct PodFacts {
  std::string ip;         // $IP
  std::string ns;         // $NAMESPACE
  std::string name;       // $PODNAME
  std::string node_name;  // $NODENAME
};

// Replaces every `$IP`, `$NAMESPACE`, `$PODNAME` and `$NODENAME` in `toml`, in that order, each
// over the whole text (as DataKit's successive strings.ReplaceAll calls).
std::string expandPromInstancesTemplate(std::string_view toml, const PodFacts& pod);

}  // namespace sextant::agent::inputs::prom
