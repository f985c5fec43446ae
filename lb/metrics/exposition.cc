#include "lb/metrics/exposition.h"

#include <prometheus/text_serializer.h>

namespace fulcrum {

std::string renderExposition(const prometheus::Collectable& collectable) {
  return prometheus::TextSerializer().Serialize(collectable.Collect());
}

}  // namespace fulcrum
