#include "commands.hpp"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <nlohmann/json.hpp>
#include <numeric>

#include "data/data_dir.hpp"
#include "io/png.hpp"
#include "ops/random.hpp"
#include "train/applications.hpp"
#include "train/inference.hpp"
#include "util/atomic_file.hpp"
#include "util/error.hpp"

namespace vkvae::app {
namespace {

namespace fs = std::filesystem;
using train::TrainedModel;

int evaluate(vk::Context& context, const CommandOptions& o) {
  TrainedModel model(context, o.checkpoint);
  const data::Dataset data = data_split(model, o, "test");
  const auto start = std::chrono::steady_clock::now();
  const train::Evaluation e = model.evaluate(data, o.seed);
  const double recon = e.mean_recon(), kl = e.mean_kl();
  if (o.json) {
    nlohmann::json out = {{"checkpoint", o.checkpoint}, {"model", model.options().model_label()}, {"step", model.step()},
                          {"examples", data.size()},    {"negative_elbo", recon + kl},                          {"recon", recon},
                          {"kl", kl}};
    if (o.k > 0) {
      const std::vector<double> nll = model.importance_nll(data, o.k, o.seed);
      double sum = 0.0;
      for (double v : nll) sum += v;
      out["k"] = o.k;
      out["iwae_nll"] = sum / static_cast<double>(nll.size());
    }
    out["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s\n", out.dump(2).c_str());
    return 0;
  }
  std::printf("checkpoint: %s (%s, step %lld)\nexamples: %lld\n", o.checkpoint.c_str(), model.options().model_label().c_str(),
              static_cast<long long>(model.step()), static_cast<long long>(data.size()));
  std::printf("negative ELBO: %.3f nats (recon %.3f, KL %.3f)\n", recon + kl, recon, kl);
  if (o.k > 0) {
    std::vector<double> nll;
    {
      TerminalProgress progress("importance sampling", "samples");
      nll = model.importance_nll(data, o.k, o.seed, std::ref(progress));
    }
    double sum = 0.0;
    for (double v : nll) sum += v;
    std::printf("importance-weighted NLL (k=%lld): %.3f nats\n", static_cast<long long>(o.k), sum / static_cast<double>(nll.size()));
  }
  std::printf("seconds: %.1f\n", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

int sample(vk::Context& context, const CommandOptions& o) {
  check_png_path(o.out);
  TrainedModel model(context, o.checkpoint);
  const bool conditional = model.options().conditional();
  const int64_t classes = model.options().classes;
  const int64_t digit = chosen_class(model.options(), o.digit, "--digit");
  // Conditional without --digit: the classes in turn, a row each; by default a row for every one.
  const bool rows_of_classes = conditional && digit < 0;
  const int64_t count = o.count > 0 ? o.count : rows_of_classes ? classes * o.nrow : 64;
  const std::vector<float> z = train::prior_draws(count, model.options().latent(), o.seed);
  std::vector<int> digits;
  for (int64_t i = 0; i < count; ++i) digits.push_back(digit >= 0 ? static_cast<int>(digit) : static_cast<int>((i / o.nrow) % std::max<int64_t>(classes, 1)));
  write_picture(o.out, model.decode(z, digits, static_cast<uint32_t>(o.nrow)));
  return 0;
}

int interpolate(vk::Context& context, const CommandOptions& o) {
  check_png_path(o.out);
  TrainedModel model(context, o.checkpoint);
  const data::Dataset data = data_split(model, o, "test");
  for (const auto& [flag, index] : {std::pair{"--from", o.from}, std::pair{"--to", o.to}}) {
    if (index < 0 || index >= data.size()) {
      throw UsageError(std::string(flag) + " " + std::to_string(index) + ": the test set has images 0–" + std::to_string(data.size() - 1));
    }
  }
  const auto latent = static_cast<std::size_t>(model.options().latent());
  const std::vector<float> mu = model.encode(data, {o.from, o.to});
  std::vector<float> z;
  std::vector<int> digits;
  for (int64_t s = 0; s < o.steps; ++s) {
    const float t = o.steps == 1 ? 0.0f : static_cast<float>(s) / static_cast<float>(o.steps - 1);
    for (std::size_t j = 0; j < latent; ++j) z.push_back((1.0f - t) * mu[j] + t * mu[latent + j]);
    // Conditional models: the label changes halfway.
    digits.push_back(data.labeled() ? data.labels[static_cast<std::size_t>(t < 0.5f ? o.from : o.to)] : 0);
  }
  write_picture(o.out, model.decode(z, digits, static_cast<uint32_t>(o.steps)));
  return 0;
}

int anomaly(vk::Context& context, const CommandOptions& o) {
  if (o.out.empty()) throw UsageError("--out: give the CSV file to write");
  if (!o.grid.empty()) {
    if (o.top == 0) throw UsageError("--grid " + o.grid + ": give --top N too (the images it shows)");
    check_png_path(o.grid, "--grid");
  }
  TrainedModel model(context, o.checkpoint);
  bool labeled = false;
  const data::Dataset data = images_argument(model, o, labeled);
  const train::Evaluation e = model.evaluate(data, o.seed);
  std::vector<double> nll;
  if (o.anomaly_k > 0) nll = model.importance_nll(data, o.anomaly_k, o.seed);
  std::string csv = !labeled ? "index," : "index,label,";
  csv += "score,recon,kl";
  csv += nll.empty() ? "\n" : ",iwae_nll\n";
  char line[160];
  for (std::size_t i = 0; i < e.recon.size(); ++i) {
    csv += std::to_string(i) + ",";
    if (labeled) csv += std::to_string(data.labels[i]) + ",";
    std::snprintf(line, sizeof line, "%.4f,%.4f,%.4f", static_cast<double>(e.recon[i]) + static_cast<double>(e.kl[i]),
                  static_cast<double>(e.recon[i]), static_cast<double>(e.kl[i]));
    csv += line;
    if (!nll.empty()) {
      std::snprintf(line, sizeof line, ",%.4f", nll[i]);
      csv += line;
    }
    csv += "\n";
  }
  write_file_atomically(o.out, std::as_bytes(std::span<const char>(csv.data(), csv.size())));
  std::printf("wrote %s: %zu scores (negative ELBO, nats; higher is more anomalous)\n", o.out.c_str(), e.recon.size());
  if (o.top > 0) {
    // The most anomalous first: by the importance-weighted NLL where there is one.
    std::vector<int64_t> order(e.recon.size());
    std::iota(order.begin(), order.end(), 0);
    const auto score = [&](int64_t i) {
      const auto k = static_cast<std::size_t>(i);
      return nll.empty() ? static_cast<double>(e.recon[k]) + static_cast<double>(e.kl[k]) : nll[k];
    };
    std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) { return score(a) > score(b); });
    order.resize(std::min<std::size_t>(order.size(), static_cast<std::size_t>(o.top)));
    std::printf("most anomalous:");
    for (int64_t i : order) std::printf(" %lld (%.1f)", static_cast<long long>(i), score(i));
    std::printf("\n");
    if (!o.grid.empty()) {
      data::Images shown = data.images;
      shown.count = static_cast<int64_t>(order.size());
      shown.pixels.clear();
      const auto pixels = static_cast<std::ptrdiff_t>(data.images.image_size());
      for (int64_t i : order) {
        const auto first = data.images.pixels.begin() + i * pixels;
        shown.pixels.insert(shown.pixels.end(), first, first + pixels);
      }
      write_picture(o.grid, train::comparison_grid({train::to_unit_interval(shown)}, {}, shown.count, 8, model.options().image));
    }
  }
  return 0;
}

}  // namespace

void add_model_commands(CLI::App& app, CommandOptions& o, std::function<int(vk::Context&)>& run) {
  const auto seed = [&](CLI::App* c) { c->add_option("--seed", o.seed, "Noise seed")->capture_default_str()->type_name("N"); };
  const auto checkpoint = [&](CLI::App* c) { add_checkpoint_argument(c, o); };
  CLI::App* e = app.add_subcommand("evaluate", "The test set's negative ELBO, recon, KL and importance-weighted NLL");
  checkpoint(e);
  e->add_option("--data", o.data, "MNIST-layout IDX directory (default: the one the model trained on)")->type_name("DIR");
  e->add_option("--k", o.k, "Importance samples per image (0: skip; 5000 works, batched)")
      ->capture_default_str()
      ->check(whole(0, 1000000))
      ->type_name("K");
  e->add_option("--limit", o.limit, "Only the first N test images")->check(whole(1))->type_name("N");
  e->add_flag("--json", o.json, "Print the figures as one JSON object (negative_elbo, recon, kl, iwae_nll, …)");
  seed(e);
  e->callback([&] { run = [&](vk::Context& c) {
    o.checkpoint = checkpoint_file(o.checkpoint);
    return evaluate(c, o);
  }; });

  CLI::App* s = app.add_subcommand("sample", "Decode prior samples into a PNG grid");
  checkpoint(s);
  s->add_option("--out", o.out, "PNG file to write")->required()->type_name("FILE.png");
  s->add_option("--count", o.count, "Images (default: 64; conditional models without --digit: a row for each class)")
      ->check(whole(1, 4096))
      ->type_name("N");
  s->add_option("--nrow", o.nrow, "Images per row")->capture_default_str()->check(whole(1, 256))->type_name("N");
  s->add_option("--digit", o.digit, "Conditional models: the class to draw, by number or folder name (default: a row per class)")->type_name("D");
  seed(s);
  s->callback([&] { run = [&](vk::Context& c) {
    o.checkpoint = checkpoint_file(o.checkpoint);
    return sample(c, o);
  }; });

  CLI::App* i = app.add_subcommand("interpolate", "Decode a straight line in latent space between two test images");
  checkpoint(i);
  i->add_option("--from", o.from, "Index of the first test image")->capture_default_str()->type_name("I");
  i->add_option("--to", o.to, "Index of the last test image")->capture_default_str()->type_name("I");
  i->add_option("--steps", o.steps, "Images along the line")->capture_default_str()->check(whole(1, 256))->type_name("N");
  i->add_option("--out", o.out, "PNG file to write")->required()->type_name("FILE.png");
  i->add_option("--data", o.data, "MNIST-layout IDX directory (default: the one the model trained on)")->type_name("DIR");
  i->callback([&] { run = [&](vk::Context& c) {
    o.checkpoint = checkpoint_file(o.checkpoint);
    return interpolate(c, o);
  }; });

  CLI::App* a = app.add_subcommand("anomaly", "Per-image anomaly scores (negative ELBO) of an IDX file, as CSV");
  checkpoint(a);
  a->add_option("--images", o.images, "IDX image file (plain or .gz)")->required()->type_name("FILE");
  a->add_option("--labels", o.labels, "Its IDX label file (needed by conditional models)")->type_name("FILE");
  a->add_option("--out", o.out, "CSV file to write")->required()->type_name("FILE.csv");
  a->add_option("--k", o.anomaly_k, "Also an importance-weighted NLL with K samples (0: no)")->capture_default_str()->check(whole(0, 1000000))->type_name("K");
  a->add_option("--limit", o.limit, "Only the first N images")->check(whole(1))->type_name("N");
  a->add_option("--top", o.top, "Also print the N most anomalous (by the IWAE NLL with --k, else the score)")->check(whole(1, 4096))->type_name("N");
  a->add_option("--grid", o.grid, "With --top: those images as a PNG grid, most anomalous first")->type_name("FILE.png");
  seed(a);
  a->callback([&] { run = [&](vk::Context& c) {
    o.checkpoint = checkpoint_file(o.checkpoint);
    return anomaly(c, o);
  }; });
}

}  // namespace vkvae::app
