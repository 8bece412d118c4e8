#include "model_source.hpp"

#include "data/data_dir.hpp"
#include "util/error.hpp"

namespace vkvae::view {

ModelSource::ModelSource(vk::Context& context, train::TrainOptions options)
    : context_(context), options_(std::move(options)), kernels_(std::make_unique<ops::Kernels>(context)) {}

ModelSource::~ModelSource() = default;

train::GridDecoder& ModelSource::decoder(int64_t count, uint32_t nrow, int slot) {
  const std::lock_guard lock(mutex_);
  auto& d = decoders_[{count, nrow, slot}];
  if (!d) {
    d = std::make_unique<train::GridDecoder>(context_, *kernels_, options_, count, nrow, /*drawn=*/true);
    fill(*d);
  }
  return *d;
}

const data::Dataset* ModelSource::test_data() {
  if (!test_tried_) {
    test_tried_ = true;
    try {
      data::Dataset test = data::load_split(options_.data, "test", options_.format);
      train::check_data_fits(options_, test, "--data " + options_.data.string());
      test_ = std::move(test);
    } catch (const Error& e) {
      test_problem_ = e.what();
    }
  }
  return test_ ? &*test_ : nullptr;
}

train::Reconstructor* ModelSource::reconstructor(int64_t count, uint32_t nrow) {
  const data::Dataset* data = test_data();
  if (!data) return nullptr;
  const std::lock_guard lock(mutex_);
  auto& r = reconstructors_[{count, nrow}];
  if (!r) {
    r = std::make_unique<train::Reconstructor>(context_, *kernels_, options_, *data, count, nrow, /*drawn=*/true);
    fill(*r);
  }
  return r.get();
}

train::BatchPass& ModelSource::pass(int64_t batch) {
  const std::lock_guard lock(mutex_);
  auto& p = passes_[batch];
  if (!p) {
    p = std::make_unique<train::BatchPass>(context_, *kernels_, options_, batch, train::Pass::reconstruct);
    fill(*p);
  }
  return *p;
}

void ModelSource::copy_all(const graph::Program& from, const graph::Graph& from_graph) {
  const std::lock_guard lock(mutex_);
  for (auto& [key, d] : decoders_) d->copy_weights(from, from_graph);
  for (auto& [key, r] : reconstructors_) r->copy_weights(from, from_graph);
  for (auto& [key, p] : passes_) p->copy_weights(from, from_graph);
  ++version_;
}

CheckpointModel::CheckpointModel(vk::Context& context, const std::filesystem::path& checkpoint)
    : CheckpointModel(context, std::make_unique<train::TrainedModel>(context, checkpoint)) {}

CheckpointModel::CheckpointModel(vk::Context& context, std::unique_ptr<train::TrainedModel> model)
    : ModelSource(context, model->options()), model_(std::move(model)) {}

void CheckpointModel::fill(train::GridDecoder& decoder) { decoder.load(model_->checkpoint(), model_->source()); }
void CheckpointModel::fill(train::Reconstructor& reconstructor) { reconstructor.load(model_->checkpoint(), model_->source()); }
void CheckpointModel::fill(train::BatchPass& pass) { pass.load(model_->checkpoint(), model_->source()); }

}  // namespace vkvae::view
