#include "ops/op_harness.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <sstream>

namespace vkvae::test {

std::vector<float> random_floats(std::size_t n, uint32_t seed, double lo, double hi) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<float> v(n);
  for (auto& x : v) x = static_cast<float>(dist(rng));
  return v;
}

Values widen(const std::vector<float>& values) { return Values(values.begin(), values.end()); }

::testing::AssertionResult all_close(const std::vector<float>& got, const Values& want,
                                     double atol, double rtol) {
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure() << "size " << got.size() << ", expected " << want.size();
  }
  std::ostringstream first;
  std::size_t bad = 0, worst = 0;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double diff = std::abs(static_cast<double>(got[i]) - want[i]);
    const double allowed = atol + rtol * std::abs(want[i]);
    if (!(diff <= allowed)) {  // NaN fails too
      if (bad < 5) first << "\n  [" << i << "] got " << got[i] << ", want " << want[i] << " (diff " << diff << ")";
      ++bad;
    }
    const double excess = std::isnan(diff) ? 1e300 : diff - allowed;
    if (excess > worst_excess) worst_excess = excess, worst = i;
  }
  if (bad == 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << bad << " of " << got.size() << " elements differ (atol " << atol << ", rtol " << rtol
         << "); worst [" << worst << "] got " << got[worst] << ", want " << want[worst] << first.str();
}

ops::Tensor TensorStore::make(const ops::Shape& shape, ops::DType dtype) {
  ops::Tensor t;
  t.shape = shape;
  t.dtype = dtype;
  buffers_.push_back(context_.buffer(std::max<VkDeviceSize>(t.bytes(), 4)));
  t.buffer = &buffers_.back();
  return t;
}

ops::Tensor TensorStore::upload(const ops::Shape& shape, const std::vector<float>& values) {
  ops::Tensor t = make(shape);
  context_.upload(*t.buffer, std::span<const float>(values));
  return t;
}

std::vector<float> TensorStore::download(const ops::Tensor& t) {
  std::vector<float> values(static_cast<std::size_t>(t.numel()));
  context_.download(*t.buffer, t.offset, std::as_writable_bytes(std::span<float>(values)));
  return values;
}

void run_recorded(vk::Context& context, ops::Kernels& kernels,
                  const std::function<void(ops::Encoder&)>& ops) {
  vk::CommandBuffer commands = context.commands();
  commands.begin();
  ops::Encoder enc(kernels, commands);
  ops(enc);
  commands.barrier(vk::kComputeWrite | vk::kTransferWrite, vk::kHostRead);
  commands.end();
  context.submit_and_wait(commands);
}

std::string param_name(const std::string& name) {
  std::string out;
  for (char c : name) out += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return out;
}

namespace {

// Values as the device stores them: f32 rounding, or integers for u8/u32 inputs.
std::vector<float> make_input(const InputSpec& spec, uint32_t seed) {
  if (!spec.values.empty()) return std::vector<float>(spec.values.begin(), spec.values.end());
  std::vector<float> v = random_floats(static_cast<std::size_t>(spec.shape.numel()), seed, spec.lo, spec.hi);
  if (spec.dtype != ops::DType::f32) {
    for (auto& x : v) x = std::floor(x);
  }
  return v;
}

ops::Tensor upload_input(vk::Context& context, TensorStore& store, const InputSpec& spec,
                         const std::vector<float>& values) {
  if (spec.dtype == ops::DType::f32) return store.upload(spec.shape, values);
  ops::Tensor t = store.make(spec.shape, spec.dtype);
  std::vector<std::byte> bytes(t.bytes());
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (spec.dtype == ops::DType::u8) {
      bytes[i] = static_cast<std::byte>(static_cast<uint8_t>(values[i]));
    } else {
      const uint32_t word = static_cast<uint32_t>(values[i]);
      std::memcpy(bytes.data() + 4 * i, &word, 4);
    }
  }
  context.upload(*t.buffer, 0, bytes);
  return t;
}

}  // namespace

TEST_P(OpTable, MatchesReferenceAndIsDeterministic) {
  const OpCase& c = GetParam();
  ops::Kernels kernels(context());
  TensorStore store(context());
  std::vector<ops::Tensor> in, out;
  std::vector<Values> host_in;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    const std::vector<float> values = make_input(c.inputs[i], static_cast<uint32_t>(1000 + i));
    host_in.push_back(widen(values));
    in.push_back(upload_input(context(), store, c.inputs[i], values));
  }
  std::vector<std::vector<float>> initial;
  for (std::size_t o = 0; o < c.outputs.size(); ++o) {
    const auto n = static_cast<std::size_t>(c.outputs[o].numel());
    std::vector<float> start(n, 0.0f);
    if (c.initial_output) {
      const Values v = c.initial_output(o, n);
      std::copy(v.begin(), v.end(), start.begin());
    }
    initial.push_back(start);
    out.push_back(store.upload(c.outputs[o], start));
  }

  run_recorded(context(), kernels, [&](ops::Encoder& enc) { c.gpu(enc, in, out); });
  const std::vector<Values> want = c.cpu(host_in);
  ASSERT_EQ(want.size(), out.size());
  std::vector<std::vector<float>> first_run;
  for (std::size_t o = 0; o < out.size(); ++o) {
    first_run.push_back(store.download(out[o]));
    if (want[o].empty()) continue;
    EXPECT_TRUE(all_close(first_run[o], want[o], c.atol, c.rtol)) << "output " << o;
  }

  // Same inputs again, from the same starting outputs: the same bits.
  for (std::size_t o = 0; o < out.size(); ++o) context().upload(*out[o].buffer, std::span<const float>(initial[o]));
  run_recorded(context(), kernels, [&](ops::Encoder& enc) { c.gpu(enc, in, out); });
  for (std::size_t o = 0; o < out.size(); ++o) {
    const std::vector<float> again = store.download(out[o]);
    EXPECT_EQ(std::memcmp(again.data(), first_run[o].data(), again.size() * sizeof(float)), 0)
        << "output " << o << " differs between two identical runs";
  }
}

TEST_P(GradTable, BackwardMatchesFiniteDifferences) {
  const GradCase& c = GetParam();
  std::vector<Values> in;
  for (std::size_t i = 0; i < c.inputs.size(); ++i) {
    in.push_back(widen(random_floats(static_cast<std::size_t>(c.inputs[i].shape.numel()),
                                     static_cast<uint32_t>(2000 + i), c.inputs[i].lo, c.inputs[i].hi)));
  }
  const Values out = c.forward(in);
  const Values dout = widen(random_floats(out.size(), 77));
  const std::vector<Values> grads = c.backward(in, dout);
  ASSERT_EQ(grads.size(), in.size());

  // L = Σ out·dout, so ∂L/∂in_j is what backward returns; check it by central differences.
  const auto loss = [&](const std::vector<Values>& x) {
    const Values y = c.forward(x);
    double s = 0;
    for (std::size_t k = 0; k < y.size(); ++k) s += y[k] * dout[k];
    return s;
  };
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (grads[i].empty()) continue;
    ASSERT_EQ(grads[i].size(), in[i].size()) << "input " << i;
    // Every element of small inputs, an even spread of at most 64 of large ones.
    const std::size_t step = std::max<std::size_t>(1, in[i].size() / 64);
    for (std::size_t j = 0; j < in[i].size(); j += step) {
      const double h = 1e-6 * std::max(1.0, std::abs(in[i][j]));
      std::vector<Values> plus = in, minus = in;
      plus[i][j] += h;
      minus[i][j] -= h;
      const double numeric = (loss(plus) - loss(minus)) / (2 * h);
      EXPECT_NEAR(grads[i][j], numeric, c.tolerance * std::max(1.0, std::abs(numeric)))
          << "input " << i << " element " << j;
    }
  }
}

}  // namespace vkvae::test
