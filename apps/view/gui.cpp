#include "gui.hpp"

#include <imgui.h>
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_vulkan.h>

#include <filesystem>
#include <utility>

#include "vk/check.hpp"

namespace vkvae::view {
namespace {

void check_imgui(VkResult result) { VKVAE_CHECK(result); }

constexpr const char* kFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";

// DejaVu Sans with Latin-1, Greek (μ, σ, β) and the signs the panels use (–, —, …, ≥, ×); ImGui's
// built-in font (ASCII only, a "?" for the rest) where the file is missing.
void load_font(ImGuiIO& io, ImVector<ImWchar>& ranges) {
  if (!std::filesystem::exists(kFont)) return;
  ImFontGlyphRangesBuilder builder;
  builder.AddRanges(io.Fonts->GetGlyphRangesDefault());
  builder.AddText("μσβ²³–—…≥≤×→↑↓·■");
  builder.BuildRanges(&ranges);
  io.Fonts->AddFontFromFileTTF(kFont, 15.0f, nullptr, ranges.Data);
}

}  // namespace

Gui::Gui(vk::Context& context, Window& window, std::string layout_file) : context_(context), layout_file_(std::move(layout_file)) {
  const VkDevice device = context.device().handle();
  // The backend allocates its font texture's descriptor set here.
  const VkDescriptorPoolSize sizes[] = {{VK_DESCRIPTOR_TYPE_COMBINED_IMAGE_SAMPLER, 16}};
  VkDescriptorPoolCreateInfo pool{};
  pool.sType = VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO;
  pool.flags = VK_DESCRIPTOR_POOL_CREATE_FREE_DESCRIPTOR_SET_BIT;
  pool.maxSets = 16;
  pool.poolSizeCount = 1;
  pool.pPoolSizes = sizes;
  VKVAE_CHECK(vkCreateDescriptorPool(device, &pool, nullptr, &pool_));

  IMGUI_CHECKVERSION();
  ImGui::CreateContext();
  ImGuiIO& io = ImGui::GetIO();
  // Never imgui.ini in the working directory: the layout file, or nothing.
  io.IniFilename = layout_file_.empty() ? nullptr : layout_file_.c_str();
  load_font(io, glyph_ranges_);
  ImGui::StyleColorsDark();
  ImGui_ImplGlfw_InitForVulkan(window.handle(), true);
  ImGui_ImplVulkan_InitInfo info{};
  info.Instance = context.instance().handle();
  info.PhysicalDevice = context.device().physical();
  info.Device = device;
  info.QueueFamily = context.device().render_queue().family();
  info.Queue = context.device().render_queue().handle();
  info.PipelineCache = context.pipeline_cache().handle();
  info.DescriptorPool = pool_;
  info.MinImageCount = 2;
  info.ImageCount = window.image_count();
  info.MSAASamples = VK_SAMPLE_COUNT_1_BIT;
  info.CheckVkResultFn = check_imgui;
  ImGui_ImplVulkan_Init(&info, window.render_pass());

  vk::CommandBuffer upload = context.commands();
  upload.begin();
  ImGui_ImplVulkan_CreateFontsTexture(upload.handle());
  upload.end();
  context.submit_and_wait(upload, &context.device().render_queue());
  ImGui_ImplVulkan_DestroyFontUploadObjects();
}

Gui::~Gui() {
  context_.device().wait_idle();
  ImGui_ImplVulkan_Shutdown();
  ImGui_ImplGlfw_Shutdown();
  ImGui::DestroyContext();
  vkDestroyDescriptorPool(context_.device().handle(), pool_, nullptr);
}

void Gui::new_frame() {
  ImGui_ImplVulkan_NewFrame();
  ImGui_ImplGlfw_NewFrame();
  ImGui::NewFrame();
}

void Gui::render(VkCommandBuffer commands) { ImGui_ImplVulkan_RenderDrawData(ImGui::GetDrawData(), commands); }

}  // namespace vkvae::view
