#!/usr/bin/env bash
# The SDK's promise to third parties, checked end to end:
#   1. `cmake --install` of a taskr build gives a prefix with the taskr binary,
#      the SDK headers and the taskr-sdk CMake package;
#   2. tests/abi/hello, a plugin project that knows only
#      find_package(taskr-sdk) and taskr_add_plugin(), builds out of tree
#      against that prefix with the OTHER compiler (clang++ when taskr was
#      built with g++, g++ otherwise);
#   3. the installed taskr runs it, named in [plugins] and found through
#      TASKR_PLUGIN_PATH, and a later task reads its output.
#
# usage: run_abi_test.sh TASKR_BUILD_DIR TASKR_CXX_COMPILER_ID
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../support/script_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_lib.sh"

[[ $# -eq 2 ]] || fail "usage: $0 TASKR_BUILD_DIR TASKR_CXX_COMPILER_ID"
build=$(cd "$1" && pwd)
taskr_compiler_id=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ $taskr_compiler_id == GNU ]]; then
  other_cxx=clang++
  expect_id=Clang
else
  other_cxx=g++
  expect_id=GNU
fi
command -v "$other_cxx" >/dev/null || fail "$other_cxx is not installed; this test builds the plugin with the compiler taskr was not built with"
[[ -x $build/runner/taskr ]] || fail "$build/runner/taskr does not exist: build taskr first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/taskr-abi.XXXXXX")
if [[ -z ${TASKR_ABI_KEEP:-} ]]; then
  trap 'rm -rf "$tmp"' EXIT
else
  echo "keeping $tmp"
fi
prefix=$tmp/prefix

# ---- 1. install -------------------------------------------------------------
step "cmake --install $build --prefix $prefix"
run_logged "$tmp/install.log" cmake --install "$build" --prefix "$prefix"
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
libdir=${libdir:-lib}
for f in bin/taskr include/taskr/plugin_api.h include/taskr/sdk.hpp \
  "$libdir/cmake/taskr-sdk/taskr-sdkConfig.cmake" \
  "$libdir/cmake/taskr-sdk/taskr-sdkConfigVersion.cmake" \
  "$libdir/cmake/taskr-sdk/TaskrPlugin.cmake"; do
  [[ -f $prefix/$f ]] || fail "cmake --install did not install $f (installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' '))"
done
[[ -x $prefix/bin/taskr ]] || fail "bin/taskr is installed but not executable"
# Every first-party plugin built beside taskr must be installed where the
# installed taskr looks for it.
shopt -s nullglob
for so in "$build"/runner/plugins/taskr-*.so; do
  [[ -f $prefix/lib/taskr/plugins/$(basename "$so") ]] ||
    fail "first-party plugin $(basename "$so") was built but not installed to lib/taskr/plugins/"
done
# Test-only plugins must never reach the prefix.
for so in "$prefix"/lib/taskr/plugins/taskr-*.so; do
  [[ -f $build/runner/plugins/$(basename "$so") ]] ||
    fail "lib/taskr/plugins/$(basename "$so") is installed but is not a first-party plugin"
done
shopt -u nullglob
echo "installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"

# ---- 2. build the plugin out of tree with the other compiler -----------------
step "configure tests/abi/hello with $other_cxx against $prefix (taskr was built with $taskr_compiler_id)"
hello_build=$tmp/hello-build
# The environment must not point find_package anywhere else.
unset CMAKE_PREFIX_PATH CXX CXXFLAGS
run_logged "$tmp/hello-configure.log" cmake -S "$here/hello" -B "$hello_build" \
  -DCMAKE_CXX_COMPILER="$other_cxx" \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON \
  -DCMAKE_BUILD_TYPE=Release \
  "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"
sdk_dir=$(sed -n 's/^taskr-sdk_DIR:[A-Z]*=//p' "$hello_build/CMakeCache.txt")
[[ $sdk_dir == "$prefix/$libdir/cmake/taskr-sdk" ]] ||
  fail "find_package(taskr-sdk) found '$sdk_dir', not the installed prefix $prefix/$libdir/cmake/taskr-sdk"
plugin_id=$(sed -n 's/^set(CMAKE_CXX_COMPILER_ID "\(.*\)")$/\1/p' "$hello_build"/CMakeFiles/*/CMakeCXXCompiler.cmake)
[[ $plugin_id == "$expect_id" ]] ||
  fail "the plugin was configured with compiler '$plugin_id', expected $expect_id"

step "build tests/abi/hello"
run_logged "$tmp/hello-build.log" cmake --build "$hello_build" -j 2
plugin=$hello_build/taskr-hello.so
[[ -f $plugin ]] || fail "taskr_add_plugin(hello ...) did not produce $plugin (got: $(ls "$hello_build"))"
# The plugin exports its entry point and none of its own code (the SDK and the
# plugin's classes are hidden). Template instances from the standard library
# (std and __gnu_cxx, which libstdc++ marks visibility("default")) still show:
# -fvisibility=hidden cannot hide them, only a linker version script could.
if command -v nm >/dev/null; then
  exported=$(nm -D --defined-only "$plugin" | awk 'NF >= 3 {print $3}' | sort)
  grep -qx taskr_plugin_entry <<<"$exported" || fail "taskr-hello.so does not export taskr_plugin_entry"
  own=$(grep -vx -e taskr_plugin_entry -e '_ZZ\?N\?K\?St.*' -e '_ZZ\?N\?K\?9__gnu_cxx.*' \
    -e '_ZSt.*' -e '_init' -e '_fini' -e '_edata' -e '_end' -e '__bss_start' <<<"$exported" || true)
  [[ -z $own ]] || fail "taskr-hello.so exports more than taskr_plugin_entry: $(tr '\n' ' ' <<<"$own")"
  echo "exported: $(tr '\n' ' ' <<<"$exported")"
fi
echo "built $plugin with $plugin_id (taskr: $taskr_compiler_id)"

# ---- 3. run it through the installed taskr ----------------------------------
taskr=$prefix/bin/taskr

# run_taskr WORKSPACE ARGS...: run the installed taskr in WORKSPACE, print and
# return its output in $out; fail on a non-zero exit.
run_taskr() {
  local ws=$1
  shift
  local code=0
  out=$(cd "$ws" && "$taskr" "$@" 2>&1) || code=$?
  printf '%s\n' "$out"
  [[ $code -eq 0 ]] || fail "taskr $* in $ws exited with $code"
}

# task_log WORKSPACE TASK: the log of TASK in the latest run.
task_log() { cat "$1/.taskr/runs/latest/logs/$2.log" 2>/dev/null || true; }

step "[plugins] hello = \"$plugin\""
ws1=$tmp/ws-pinned
mkdir -p "$ws1"
cat >"$ws1/pipeline.toml" <<EOF
[plugins]
hello = "$plugin"

[tasks.greet]
uses = "hello.greet"
with = { name = "taskr" }

[tasks.show]
needs = ["greet"]
run = 'echo "show received: \${{ needs.greet.outputs.greeting }}"'
EOF
run_taskr "$ws1" run show
expect "$out" "ok        greet" "the console's line for the plugin task"
expect "$out" "2 succeeded, 0 failed" "the console's summary"
# The console shows a task's output only when it fails; its log keeps it all.
expect "$(task_log "$ws1" greet)" "hello, taskr" "the plugin's log line (greet.log)"
expect "$(task_log "$ws1" show)" "show received: hello, taskr" \
  "the output passed through needs.greet.outputs.greeting (show.log)"

step "TASKR_PLUGIN_PATH discovery, no [plugins]"
ws2=$tmp/ws-discovered
plugin_dir=$tmp/plugin-dir
mkdir -p "$ws2" "$plugin_dir"
cp "$plugin" "$plugin_dir/"
cat >"$ws2/pipeline.toml" <<'EOF'
[tasks.greet]
uses = "hello"
with = { name = "${{ env.GREET_WHO }}" }

[tasks.default]
uses = "hello"

[tasks.show]
needs = ["greet", "default"]
run = 'echo "show received: ${{ needs.greet.outputs.greeting }} / ${{ needs.default.outputs.greeting }}"'
EOF
export TASKR_PLUGIN_PATH=$tmp/does-not-exist:$plugin_dir
export GREET_WHO=taskr
run_taskr "$ws2" plugins
expect "$out" "hello" "taskr plugins"
expect "$out" "TASKR_PLUGIN_PATH" "taskr plugins (where hello was found)"
run_taskr "$ws2" run show
expect "$out" "3 succeeded, 0 failed" "the console's summary"
expect "$(task_log "$ws2" greet)" "hello, taskr" "the plugin's log line (greet.log)"
expect "$(task_log "$ws2" default)" "hello, world" "the default action and the name parameter's default (default.log)"
expect "$(task_log "$ws2" show)" "show received: hello, taskr / hello, world" \
  "the outputs passed through needs (show.log)"

step "a failing plugin task shows its log on the console"
cat >"$ws2/pipeline.toml" <<'EOF2'
[tasks.greet]
uses = "hello"
with = { name = "taskr" }

[tasks.show]
needs = ["greet"]
run = 'echo "show received: ${{ needs.greet.outputs.greeting }}"; exit 3'
EOF2
code=0
out=$(cd "$ws2" && "$taskr" run show 2>&1) || code=$?
printf '%s\n' "$out"
[[ $code -eq 1 ]] || fail "taskr run show should exit 1 when show fails, got $code"
expect "$out" "show received: hello, taskr" "the console's log tail of the failed task"

echo "PASS: a plugin built with $plugin_id from the installed prefix runs in taskr built with $taskr_compiler_id"
