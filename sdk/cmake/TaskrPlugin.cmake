# taskr_add_plugin(NAME SOURCES...) builds a taskr plugin: a shared library
# named taskr-NAME.so whose only exported symbol is taskr_plugin_entry.
#
#   find_package(taskr-sdk REQUIRED)
#   taskr_add_plugin(hello hello.cc)
#
# Put the result in a folder on TASKR_PLUGIN_PATH, or name it in [plugins]
# of pipeline.toml.
function(taskr_add_plugin name)
  if(NOT ARGN)
    message(FATAL_ERROR "taskr_add_plugin(${name}): give at least one source file")
  endif()
  add_library(${name} MODULE ${ARGN})
  target_link_libraries(${name} PRIVATE taskr::sdk)
  # sdk.hpp needs C++17 at least; a newer standard set by the project stays.
  target_compile_features(${name} PRIVATE cxx_std_17)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "taskr-${name}"
    SUFFIX ".so"
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Hidden visibility cannot hide template code from the C++ library; a
  # version script keeps the entry symbol as the plugin's whole interface.
  set(map "${CMAKE_CURRENT_BINARY_DIR}/taskr-plugin-exports.map")
  if(NOT EXISTS "${map}")
    file(WRITE "${map}" "{ global: taskr_plugin_entry; local: *; };\n")
  endif()
  target_link_options(${name} PRIVATE "LINKER:--version-script=${map}")
endfunction()
