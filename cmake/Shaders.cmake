# Compiles GLSL shaders (compute, and the viewer's vertex/fragment) to SPIR-V at build time and embeds the words in a static
# library, so no .spv file is ever read at run time (DESIGN §4.7).
#
# glslc writes each module as a C initializer list (-mfmt=c); a generated source file includes
# those lists into arrays and a registry maps shader name -> words. A compile error fails the
# build with glslc's own message, which starts with the shader's path and line.

set(VKVAE_SHADERS_CMAKE_DIR ${CMAKE_CURRENT_LIST_DIR})

function(vkvae_embed_shaders target)
  cmake_parse_arguments(ARG "" "INCLUDE_DIR" "SOURCES" ${ARGN})
  set(out_dir ${CMAKE_CURRENT_BINARY_DIR}/spirv)
  file(MAKE_DIRECTORY ${out_dir})

  set(includes "")
  set(table "")
  set(inc_files "")
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(name ${src} NAME_WE)
    get_filename_component(file ${src} NAME)
    get_filename_component(abs ${src} ABSOLUTE)
    set(inc ${out_dir}/${name}.spv.inc)
    add_custom_command(
      OUTPUT ${inc}
      COMMAND Vulkan::glslc --target-env=vulkan1.2 -O -Werror -I ${ARG_INCLUDE_DIR}
              -MD -MF ${inc}.d -mfmt=c -o ${inc} ${abs}
      DEPENDS ${abs}
      DEPFILE ${inc}.d
      COMMENT "glslc ${file}"
      VERBATIM)
    list(APPEND inc_files ${inc})
    string(APPEND includes "const std::uint32_t ${name}_spirv[] =\n#include \"spirv/${name}.spv.inc\"\n;\n")
    string(APPEND table "    {\"${name}\", ${name}_spirv},\n")
  endforeach()

  set(VKVAE_SHADER_ARRAYS "${includes}")
  set(VKVAE_SHADER_TABLE "${table}")
  configure_file(${VKVAE_SHADERS_CMAKE_DIR}/embedded_shaders.cpp.in
                 ${CMAKE_CURRENT_BINARY_DIR}/embedded_shaders.cpp @ONLY)

  add_library(${target} STATIC ${CMAKE_CURRENT_BINARY_DIR}/embedded_shaders.cpp ${inc_files})
  target_include_directories(${target} PRIVATE ${CMAKE_CURRENT_BINARY_DIR}
                                       PUBLIC ${VKVAE_SHADERS_CMAKE_DIR}/../engine)
  if(TARGET vkvae_warnings)
    target_link_libraries(${target} PRIVATE vkvae_warnings)
  endif()
endfunction()
