# One place for the warning set, applied to every target of ours through vkvae_warnings.
add_library(vkvae_warnings INTERFACE)
target_compile_options(vkvae_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion -Wformat=2
  -Wimplicit-fallthrough -Wmissing-declarations
  $<$<BOOL:${VKVAE_WERROR}>:-Werror>
  # GCC 12 reports false -Wrestrict overlaps inside std::string concatenation at -O3
  # (GCC bug 105651, fixed in 13).
  $<$<AND:$<CXX_COMPILER_ID:GNU>,$<VERSION_LESS:$<CXX_COMPILER_VERSION>,13>>:-Wno-restrict>)
