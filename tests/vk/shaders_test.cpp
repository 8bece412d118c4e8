// Every shader is compiled at build time and embedded; the registry finds them by name.
#include <gtest/gtest.h>

#include <algorithm>

#include "shaders/embedded.hpp"

namespace vkvae::shaders {
namespace {

TEST(EmbeddedShaders, AreValidSpirvModules) {
  const auto all = names();
  ASSERT_FALSE(all.empty());
  EXPECT_TRUE(std::is_sorted(all.begin(), all.end()));
  for (std::string_view name : all) {
    const auto words = spirv(name);
    ASSERT_GE(words.size(), 5u) << name;
    EXPECT_EQ(words[0], 0x07230203u) << name << ": not SPIR-V (magic number)";
  }
  EXPECT_NE(std::find(all.begin(), all.end(), "fill"), all.end());
  EXPECT_NE(std::find(all.begin(), all.end(), "axpy"), all.end());
}

TEST(EmbeddedShaders, UnknownNameSaysHowToAddIt) {
  try {
    spirv("no_such_op");
    FAIL() << "expected an exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("shaders/no_such_op.comp"), std::string::npos);
  }
}

}  // namespace
}  // namespace vkvae::shaders
