// The op test harness. Every op is one or more rows of a table: input shapes and value ranges,
// output shapes, how to record it on the GPU, its double-precision reference, and tolerances.
// A row runs on the test device and passes when every output matches the reference and a
// second run gives the same bits. Gradient rows check a CPU backward reference against central
// finite differences of its forward reference.
#pragma once

#include <gtest/gtest.h>

#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "ops/encoder.hpp"
#include "support/vulkan_test.hpp"

namespace vkvae::test {

using Values = std::vector<double>;

struct InputSpec {
  ops::Shape shape;
  double lo = -1.0, hi = 1.0;  // uniform random values in [lo, hi)
  ops::DType dtype = ops::DType::f32;
  std::vector<double> values = {};  // given values instead of random ones (hyperparameters, counters)
};

struct OpCase {
  std::string name;
  std::vector<InputSpec> inputs;
  std::vector<ops::Shape> outputs;
  std::function<void(ops::Encoder&, const std::vector<ops::Tensor>& in,
                     const std::vector<ops::Tensor>& out)> gpu;
  // Inputs as the GPU saw them (f32 values widened to double) → expected outputs. An empty
  // expectation marks a scratch output, which is only checked for determinism.
  std::function<std::vector<Values>(const std::vector<Values>& in)> cpu;
  double atol = 1e-5;
  double rtol = 1e-5;
  // Outputs start with these values (e.g. to test accumulation); default zeros.
  std::function<Values(std::size_t output, std::size_t count)> initial_output;
};

struct GradCase {
  std::string name;
  std::vector<InputSpec> inputs;
  // in → out (flattened)
  std::function<Values(const std::vector<Values>& in)> forward;
  // in, dout → d in (one per input; an empty vector marks an input with no gradient)
  std::function<std::vector<Values>(const std::vector<Values>& in, const Values& dout)> backward;
  double tolerance = 1e-6;  // relative to max(1, |gradient|)
};

// Random f32 values in [lo, hi), from a fixed seed.
std::vector<float> random_floats(std::size_t n, uint32_t seed, double lo = -1.0, double hi = 1.0);
Values widen(const std::vector<float>& values);

// got ≈ want within atol + rtol·|want| everywhere; on failure lists the first mismatches and the
// largest difference.
::testing::AssertionResult all_close(const std::vector<float>& got, const Values& want,
                                     double atol, double rtol);

// Device tensors for one test, each in its own buffer.
class TensorStore {
 public:
  explicit TensorStore(vk::Context& context) : context_(context) {}
  ops::Tensor make(const ops::Shape& shape, ops::DType dtype = ops::DType::f32);
  ops::Tensor upload(const ops::Shape& shape, const std::vector<float>& values);
  std::vector<float> download(const ops::Tensor& tensor);

 private:
  vk::Context& context_;
  std::deque<vk::Buffer> buffers_;
};

// Records `ops` into one command buffer, submits it and waits.
void run_recorded(vk::Context& context, ops::Kernels& kernels,
                  const std::function<void(ops::Encoder&)>& ops);

// gtest-safe name from a case name ("linear 3x5 relu" → "linear_3x5_relu").
std::string param_name(const std::string& name);

// Names table rows in INSTANTIATE_TEST_SUITE_P.
struct CaseName {
  template <typename Case>
  std::string operator()(const ::testing::TestParamInfo<Case>& row) const {
    return param_name(row.param.name);
  }
};

// gtest prints a row by its name (also in ctest's test names).
inline void PrintTo(const OpCase& c, std::ostream* os) { *os << c.name; }
inline void PrintTo(const GradCase& c, std::ostream* os) { *os << c.name; }

class OpTable : public VulkanTest, public ::testing::WithParamInterface<OpCase> {};
class GradTable : public ::testing::TestWithParam<GradCase> {};

}  // namespace vkvae::test
