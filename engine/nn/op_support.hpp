// What the layer files share in defining graph ops: the f32 tensor info of an output and the
// check of an op's inputs.
#pragma once

#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "util/error.hpp"

namespace vkvae::nn::detail {

using Infos = std::vector<const graph::TensorInfo*>;

inline graph::TensorInfo f32(const ops::Shape& shape) { return {"", shape, ops::DType::f32, graph::Role::activation, {}, {}}; }

// Exactly `count` inputs, all f32.
inline void expect_inputs(const std::string& op, const Infos& in, std::size_t count) {
  if (in.size() != count) throw Error(op + ": takes " + std::to_string(count) + " inputs, got " + std::to_string(in.size()));
  for (const graph::TensorInfo* t : in) {
    if (t->dtype != ops::DType::f32) throw Error(op + ": '" + t->name + "' must be f32");
  }
}

}  // namespace vkvae::nn::detail
