// vkvae-view: a Dear ImGui window on a VAE — a checkpoint, or a run training in-process — with
// samples, the latent space and (live) a training dashboard, drawn with Vulkan; --screenshot
// renders a few frames and writes one to a PNG (for tests and headless use).
#include <CLI/CLI.hpp>
#include <GLFW/glfw3.h>
#include <imgui.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "explorer.hpp"
#include "workbench.hpp"
#include "layout.hpp"
#include "live.hpp"
#include "stop_signals.hpp"
#include "cli_text.hpp"
#include "train_flags.hpp"
#include "gui.hpp"
#include "io/png.hpp"
#include "pictures.hpp"
#include "model_source.hpp"
#include "util/error.hpp"
#include "vk/device_info.hpp"
#include "window.hpp"

namespace {

struct Options {
  std::string checkpoint, device, screenshot;
  int frames = 0, width = 1280, height = 800;
  bool train = false;
  vkvae::app::TrainFlags flags;
};

int run(const Options& o) {
  if (!o.screenshot.empty() && std::filesystem::path(o.screenshot).extension() != ".png") {
    throw vkvae::UsageError("--screenshot " + o.screenshot + ": the screenshot is a PNG; name it *.png");
  }
  if (o.train == !o.checkpoint.empty()) throw vkvae::UsageError("give either --checkpoint FILE or --train [training options]");
  std::optional<vkvae::train::RunRequest> request;
  if (o.train) request = vkvae::app::make_request(o.flags);
  vkvae::vk::ContextOptions context_options;
  context_options.device = o.device;
  context_options.instance_extensions = vkvae::view::start_glfw();
  context_options.device_extensions = {VK_KHR_SWAPCHAIN_EXTENSION_NAME};
  int status = 0;
  {
    vkvae::vk::Context context(context_options);
    std::unique_ptr<vkvae::view::ModelSource> model;
    vkvae::view::LiveTraining* live = nullptr;
    if (request) {
      auto training = std::make_unique<vkvae::view::LiveTraining>(context, *request);
      live = training.get();
      model = std::move(training);
    } else {
      model = std::make_unique<vkvae::view::CheckpointModel>(context, o.checkpoint);
    }
    // Said in the panels while training, so that a stutter has its explanation at hand.
    const char* queues = context.device().separate_render_queue() ? " (drawing on its own queue)"
                                                                  : " (one queue: drawing and training take turns)";
    const std::string device = context.info().name + (live ? queues : "");
    vkvae::view::Window window(context, o.width, o.height, "vkvae-view: " + o.checkpoint);
    // A screenshot is of the computed layout, whatever a person arranged before.
    vkvae::view::Gui gui(context, window, o.screenshot.empty() ? vkvae::view::layout_file() : std::string());
    vkvae::view::Layout layout(model->options().latent() == 2, live != nullptr);
    vkvae::view::PictureRenderer pictures(context, window.render_pass());
    vkvae::view::Explorer explorer(*model, request ? "training " + (request->resume.empty() ? request->out : request->resume).string() : o.checkpoint,
                                   device);
    vkvae::view::Workbench workbench(*model);
    const int frames = o.frames > 0 ? o.frames : (o.screenshot.empty() ? 0 : 5);
    const float clear[4] = {0.08f, 0.08f, 0.10f, 1.0f};
    const auto start = std::chrono::steady_clock::now();
    int drawn = 0;
    // Ctrl-C or SIGTERM closes the window as its close button would (a second one exits at once).
    const std::atomic<bool>& signalled = vkvae::app::stop_requested();
    for (int frame = 1; !window.should_close() && !signalled.load(); ++frame) {
      glfwPollEvents();
      const auto f = window.begin_frame();
      if (!f) {
        glfwWaitEventsTimeout(0.05);
        continue;
      }
      pictures.begin_frame(f->commands, f->extent);
      gui.new_frame();
      layout.begin_frame();
      explorer.mark(workbench.pad_encoding());
      explorer.ui(pictures, layout);
      workbench.ui(layout);
      if (live) live->dashboard_ui(layout);
      ImGui::Render();
      window.begin_render_pass(*f, clear);
      gui.render(f->commands);
      // A screenshot of a live run waits for the run to end (give it --max-steps).
      const bool last = frames > 0 && frame >= frames && (!live || o.screenshot.empty() || live->finished());
      window.end_frame(*f, last && !o.screenshot.empty());
      ++drawn;
      if (last) break;
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "vkvae-view: %d frames in %.1f s (%.1f frames/s)\n", drawn, seconds, drawn / std::max(seconds, 1e-9));
    if (!o.screenshot.empty()) {
      const vkvae::train::Picture& shot = window.captured();
      if (shot.pixels.empty()) throw vkvae::Error("the swapchain cannot be read back (no TRANSFER_SRC); no screenshot written", 1);
      vkvae::io::write_png(o.screenshot, shot.width, shot.height, shot.pixels);
      const float* r = explorer.samples_rect();
      std::printf("wrote %s (%u×%u); samples at %.0f %.0f %.0f %.0f\n", o.screenshot.c_str(), shot.width, shot.height, static_cast<double>(r[0]),
                  static_cast<double>(r[1]), static_cast<double>(r[2]), static_cast<double>(r[3]));
      for (const auto& [name, rect] : {std::pair{"pad reconstruction", workbench.reconstruction_rect()}, std::pair{"denoised", workbench.denoised_rect()}}) {
        std::printf("%s at %.0f %.0f %.0f %.0f\n", name, static_cast<double>(rect[0]), static_cast<double>(rect[1]), static_cast<double>(rect[2]),
                    static_cast<double>(rect[3]));
      }
    }
    if (live) {
      live->stop();  // closing the window stops the run, which writes a checkpoint
      std::fprintf(stderr, "vkvae-view: training %s\n", live->outcome().c_str());
      if (live->failed()) status = 1;
    }
    if (status == 0) status = vkvae::app::stop_exit_code();
    const int errors = context.instance().validation().errors();
    if (errors > 0) {
      std::fprintf(stderr, "vkvae-view: error: the Vulkan validation layer reported %d errors (see above)\n", errors);
      status = 3;
    }
  }
  vkvae::view::stop_glfw();
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"vkvae-view: a live window on a VAE — a checkpoint, or a run training in this process — with samples, the latent space and a dashboard."};
  vkvae::app::use_help_formatter(app, 30);
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", "vkvae-view " VKVAE_VERSION);
  Options o;
  app.add_option("--checkpoint", o.checkpoint, "Explore a checkpoint vkvae-train wrote (e.g. RUN_DIR/checkpoints/best.safetensors)")
      ->check(CLI::ExistingFile)
      ->type_name("FILE");
  app.add_flag("--train", o.train, "Train in this process and watch it live; takes vkvae-train's training options (below), --resume included");
  app.add_option("--device", o.device, "Device: an index from vkvae-train --list-devices or part of its name")->type_name("N|NAME");
  app.add_option("--screenshot", o.screenshot, "Render --frames frames (default 5), write the last to this PNG and exit")->type_name("FILE.png");
  app.add_option("--frames", o.frames, "Stop after N frames (0: when the window closes)")->check(CLI::NonNegativeNumber)->type_name("N");
  app.add_option("--width", o.width, "Window width")->capture_default_str()->check(CLI::Range(320, 8192))->type_name("PX");
  app.add_option("--height", o.height, "Window height")->capture_default_str()->check(CLI::Range(240, 8192))->type_name("PX");
  vkvae::app::add_training_options(app, o.flags);
  app.footer("Without a screen: xvfb-run -a -s \"-screen 0 1280x800x24\" vkvae-view --checkpoint FILE --screenshot shot.png. "
             "VKVAE_VALIDATION=1 enables the Khronos validation layer (an error then fails the run).");
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "vkvae-view: error: %s\n", vkvae::app::parse_error_line(app, e, "vkvae-view").c_str());
    return 2;
  }
  try {
    vkvae::app::catch_stop_signals();
    return run(o);
  } catch (const vkvae::Error& e) {
    std::fprintf(stderr, "vkvae-view: error: %s\n", e.what());
    return e.exit_code();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "vkvae-view: internal error: %s; please report it\n", e.what());
    return 1;
  }
}
