#include "train_flags.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "util/error.hpp"

namespace vkvae::app {
namespace {

// runs/<model>-<local date and time>
std::filesystem::path default_run_dir(const std::string& model) {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
  return std::filesystem::path("runs") / (model + "-" + stamp);
}

uint64_t bucket_bytes(double mib) {
  if (!(mib >= 0.0 && mib <= 4096.0)) {
    char value[32];
    std::snprintf(value, sizeof value, "%g", mib);
    throw UsageError(std::string("--bucket-mb ") + value + ": must be from 0 (all at once) to 4096 MiB");
  }
  return static_cast<uint64_t>(mib * (1 << 20));
}

}  // namespace

train::RunRequest make_request(const TrainFlags& options) {
  train::RunRequest request;
  train::GivenOptions given = options.given;
  if (options.seed) {
    if (*options.seed < 0) throw UsageError("--seed " + std::to_string(*options.seed) + ": must be at least 0");
    given.seed = static_cast<uint64_t>(*options.seed);
  }
  if (!options.resume.empty()) {
    // A resumed run trains with its own options; only how long, where the data is and how
    // often to checkpoint may change.
    train::GivenOptions rest = given;
    request.epochs = rest.epochs, request.max_steps = rest.max_steps, request.checkpoint_every = rest.checkpoint_every;
    request.log_every = rest.log_every;
    if (rest.data) request.data = *rest.data;
    rest.epochs.reset(), rest.max_steps.reset(), rest.checkpoint_every.reset(), rest.log_every.reset(), rest.data.reset();
    if (!options.out.empty() || !options.config.empty() || rest.model || rest.loss || rest.optimizer || rest.binarize || rest.latent ||
        rest.hidden || rest.batch || rest.shards || rest.kl_warmup || rest.recon_only_epochs || rest.beta || rest.lr || rest.weight_decay || rest.seed ||
        rest.init || rest.image_size || rest.channels || rest.objective || rest.k) {
      throw UsageError("--resume " + options.resume + ": a resumed run keeps its own options; only --epochs, --max-steps, "
                       "--checkpoint-every, --log-every, --data, --device, --devices, --bucket-mb and --cache-dir may be given with it");
    }
    request.resume = options.resume;
    request.profile = options.profile;
    request.bucket_bytes = bucket_bytes(options.bucket_mib);
    return request;
  }
  train::GivenOptions merged;
  if (!options.config.empty()) merged = train::read_config_file(options.config);
  merged.merge(given);
  request.options = train::resolve(merged);
  request.profile = options.profile;
  request.bucket_bytes = bucket_bytes(options.bucket_mib);
  request.out = options.out.empty() ? default_run_dir(request.options.model_label()) : std::filesystem::path(options.out);
  return request;
}

void add_training_options(CLI::App& app, TrainFlags& o) {
  train::GivenOptions& g = o.given;
  // Those after it join this group; vkvae-train's commands on a trained model refuse them.
  app.option_defaults()->group(kTrainingGroup);
  app.add_option("--model", g.model, "A built-in model (mlp, conv, cmlp, cconv, mlp2; default conv) or a model spec FILE.json (README: Model specs)")->type_name("NAME|FILE");
  app.add_option("--latent", g.latent, "Latent dimensions (default: the spec's; mlp 20, conv 16, mlp2 2)")->type_name("N");
  app.add_option("--hidden", g.hidden, "The spec's \"hidden\" size (mlp 400, conv 256, mlp2 512)")->type_name("N");
  app.add_option("--beta", g.beta, "KL weight β (β-VAE; default 1)")->type_name("B");
  app.add_option("--loss", g.loss, "Reconstruction loss: bce or mse (recipe: bce; mlp2 mse)")->type_name("bce|mse");
  app.add_option("--objective", g.objective, "elbo (default), or iwae: the importance-weighted bound of --k samples (Burda et al. 2015)")
      ->type_name("elbo|iwae");
  app.add_option("--k", g.k, "Samples per example of --objective iwae (default 5)")->type_name("K");
  app.add_option("--kl-warmup", g.kl_warmup, "Epochs over which the KL weight ramps from 0 to β (0: none)")->type_name("EPOCHS");
  app.add_option("--recon-only-epochs", g.recon_only_epochs, "First train this many epochs on reconstruction alone")->type_name("N");
  app.add_option("--optimizer", g.optimizer, "adam, adamw or sgd (default adam)")->type_name("NAME");
  app.add_option("--lr", g.lr, "Learning rate (recipe: 1e-3; mlp2 1e-4)")->type_name("LR");
  app.add_option("--weight-decay", g.weight_decay, "Weight decay (default 0; adamw 0.01)")->type_name("WD");
  app.add_option("--batch", g.batch, "Batch size (recipe: 128; cmlp 64; mlp2 32)")->type_name("N");
  app.add_option("--shards", g.shards,
                 "Compute each batch in N equal shards, their gradients added in one fixed order, so that any --devices "
                 "count dividing N (a power of two each) trains to the same bits (default: one a device)")
      ->type_name("N");
  app.add_option("--bucket-mb", o.bucket_mib,
                 "Data-parallel: a replica's gradients leave for the others in buckets of about this many MiB, the first "
                 "while the device still computes the rest (0: all at once after the backward pass); changes when, not what")
      ->capture_default_str()
      ->type_name("MIB");
  app.add_option("--epochs", g.epochs, "Epochs (default 10)")->type_name("N");
  app.add_option("--seed", o.seed, "Seed of initialization, shuffling and noise (default 0)")->type_name("N");
  app.add_option("--data", g.data,
                 "MNIST-layout IDX files (grey or colour, plain or .gz) or image folders DIR/train/<class>/*.png|jpg "
                 "(default: data/mnist, as scripts/fetch-mnist.sh leaves it)")
      ->type_name("DIR");
  app.add_option("--image-size", g.image_size, "Resize every image to H×W (default: as the files are; they must agree)")->type_name("H[xW]");
  app.add_option("--channels", g.channels, "1 (grey) or 3 (RGB): convert every image (default: as the files hold them)")->type_name("1|3");
  app.add_option("--binarize", g.binarize, "none, or dynamic: inputs drawn as Bernoulli(intensity) each time (default none)")
      ->type_name("none|dynamic");
  app.add_option("--max-steps", g.max_steps, "End after N optimizer steps in all, with an evaluation, a metrics record and a checkpoint")
      ->type_name("N");
  app.add_option("--checkpoint-every", g.checkpoint_every, "Also write checkpoints/last.safetensors every N steps")->type_name("N");
  app.add_option("--log-every", g.log_every,
                 "Append a row to RUN_DIR/metrics_steps.csv every N steps: step, epoch, loss, recon, kl (means over those N "
                 "steps), lr, kl_weight, samples/s")
      ->type_name("N");
  app.add_option("--init", g.init, "Start from these weights (safetensors, e.g. made by PyTorch with scripts/vkvae_torch.py)")
      ->type_name("FILE");
  app.add_option("--out", o.out, "Run directory to create (default: runs/<model>-<date>-<time>)")->type_name("RUN_DIR");
  app.add_option("--resume", o.resume, "Continue the run in RUN_DIR from its last checkpoint, exactly")->type_name("RUN_DIR");
  app.add_flag("--profile", o.profile,
               "First print a profile of one training step: GPU time by op, dispatches, barriers, memory, host and wall "
               "time per step (training is unchanged by it)");
  app.add_option("--config", o.config, "JSON file of options (keys are flag names, as in a run's config.json); flags override it")
      ->type_name("FILE");
  app.option_defaults()->group("Options");
}

}  // namespace vkvae::app
