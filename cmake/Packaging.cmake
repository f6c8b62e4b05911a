# The Debian package: `cmake --build build --target package`, or
# `cpack --config build/CPackConfig.cmake -G DEB`, writes
# taskr_<version>_<arch>.deb with everything `cmake --install` installs, under
# /usr: bin/taskr and bin/taskr-worker, the first-party plugins in
# lib/taskr/plugins/ (where taskr looks, relative to its binary), the SDK
# headers and the taskr-sdk CMake package. tests/package/ installs it into a
# fresh Debian root and uses it there.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME taskr)
set(CPACK_PACKAGE_VENDOR "taskr")
set(CPACK_PACKAGE_CONTACT "taskr developers <dev@taskr.local>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "task-graph runner for build, scan and deploy pipelines")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
# The staged files are what `cmake --install` gives, and CMake drops the build
# tree's RPATH there (CMAKE_INSTALL_RPATH is empty); tests/package checks that
# no packaged ELF file has an RPATH or RUNPATH.
# Debian policy wants stripped binaries; the build tree keeps its debug info.
set(CPACK_STRIP_FILES ON)
# Directories the package creates get 0755 whatever the umask of whoever packs.
set(CPACK_INSTALL_DEFAULT_DIRECTORY_PERMISSIONS
  OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)

# taskr_<version>_<arch>.deb: Debian's own naming (no revision is set).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# CPack puts the summary above as the synopsis line; this is the long text.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "taskr runs the task graph in pipeline.toml (lint, test, build, scan and
deploy tasks) in parallel, in dependency order, with content-addressed
caching, GitHub job summaries, SARIF and a JSON run report.
.
This package holds taskr, its plugin worker, the first-party plugins
(checksum, docker-buildx, trivy, syft-sbom, health) and the plugin SDK: the C ABI
and C++ headers and the taskr-sdk CMake package for find_package().")
# Depends comes from dpkg-shlibdeps on the packaged binaries and plugins,
# so it names exactly the libraries (and versions) they link.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)

include(CPack)
