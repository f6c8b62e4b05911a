# taskr_add_plugin(NAME SOURCES...) builds a taskr plugin: a shared library
# named taskr-NAME.so that exports only the plugin entry symbol.
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
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "taskr-${name}"
    SUFFIX ".so"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  if(NOT DEFINED CMAKE_CXX_STANDARD)
    target_compile_features(${name} PRIVATE cxx_std_17)
  endif()
endfunction()
