#!/usr/bin/env bash
# `taskr plugin new` keeps its promise: the project it writes builds against
# an installed taskr prefix with g++ and with clang++ (-Wall -Wextra -Werror),
# its unit test (on the plugin test kit) passes as written, and the installed
# taskr loads the plugin and passes its output on.
#
# usage: run_plugin_new_test.sh TASKR_BUILD_DIR
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../support/script_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_lib.sh"

[[ $# -eq 1 ]] || fail "usage: $0 TASKR_BUILD_DIR"
build=$(cd "$1" && pwd)
[[ -x $build/runner/taskr ]] || fail "$build/runner/taskr does not exist: build taskr first"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/taskr-plugin-new.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
cd "$tmp"

step "cmake --install $build --prefix $prefix"
run_logged install.log cmake --install "$build" --prefix "$prefix"
taskr=$prefix/bin/taskr
[[ -f $prefix/include/taskr/testing.hpp ]] || fail "the prefix has no include/taskr/testing.hpp"

step "taskr plugin new greeter"
out=$("$taskr" plugin new greeter)
printf '%s\n' "$out"
grep -q '^wrote greeter/: CMakeLists.txt, greeter.hpp, greeter.cc, greeter_test.cc, README.md$' <<<"$out" ||
  fail "plugin new did not say what it wrote"
set +e
again=$("$taskr" plugin new greeter 2>&1)
rc=$?
set -e
[[ $rc -eq 2 ]] || fail "a second plugin new into the same folder exited $rc, not 2"
grep -q 'greeter already exists and is not empty; nothing was written' <<<"$again" ||
  fail "a second plugin new did not refuse clearly: $again"

for cxx in g++ clang++; do
  command -v "$cxx" >/dev/null || fail "$cxx is not installed"
  step "build greeter with $cxx and run its test"
  run_logged "configure-$cxx.log" cmake -S greeter -B "build-$cxx" -DCMAKE_CXX_COMPILER="$cxx" \
    -DCMAKE_CXX_FLAGS="-Wall -Wextra -Werror" -DCMAKE_PREFIX_PATH="$prefix"
  run_logged "build-$cxx.log" cmake --build "build-$cxx"
  run_logged "test-$cxx.log" ctest --test-dir "build-$cxx" --output-on-failure --no-tests=error
  grep -q '100% tests passed, 0 tests failed out of 1' "test-$cxx.log" ||
    fail "the generated test did not pass with $cxx: $(cat "test-$cxx.log")"
  [[ -f build-$cxx/taskr-greeter.so ]] || fail "no build-$cxx/taskr-greeter.so"
done

step "taskr runs the plugin built with clang++"
mkdir demo
cat >demo/pipeline.toml <<TOML
[plugins]
greeter = "$tmp/build-clang++/taskr-greeter.so"

[tasks.hello]
uses = "greeter.greet"
with = { name = "team" }

[tasks.after]
needs = ["hello"]
run = 'echo "\${{ needs.hello.outputs.greeting }}" > after.txt'
TOML
run_logged run.log "$taskr" -C demo run after
expected="hello, team, from $(uname -n)"
[[ $(cat demo/after.txt) == "$expected" ]] || fail "after.txt is '$(cat demo/after.txt)', not '$expected'"

step "the example of taskr plugins info greeter passes taskr validate"
info=$("$taskr" -C demo plugins info greeter)
printf '%s\n' "$info" | sed -n '/^Example:/,$p'
{
  echo "[plugins]"
  echo "greeter = \"$tmp/build-clang++/taskr-greeter.so\""
  echo
  printf '%s\n' "$info" | sed -n '/^Example:/,$p' | tail -n +2 | sed 's/^  //'
} >demo/pipeline.toml
run_logged validate.log "$taskr" -C demo validate
echo "PASS: plugin new writes a project that builds with g++ and clang++, passes its test, and runs"
