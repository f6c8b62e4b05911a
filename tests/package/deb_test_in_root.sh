#!/usr/bin/env bash
# The package test's half that runs inside the fresh Debian root (see
# deb_test.sh): installs the .deb with apt, uses what it installed the way a
# user and a plugin author would, then purges it and checks nothing is left.
#
# usage: deb_test_in_root.sh VERSION DEB   (DEB and hello/ beside this script)
set -euo pipefail
# script_lib.sh is copied beside this script into the root (deb_test.sh).
# shellcheck source-path=SCRIPTDIR source=../support/script_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/script_lib.sh"

[[ $# -eq 2 ]] || fail "usage: $0 VERSION DEB"
version=$1
deb=$2
work=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cd "$work"

# ---- install ------------------------------------------------------------------
step "apt-get install ./$deb"
# apt resolves the Depends line that dpkg-shlibdeps computed: a library it
# forgot would make taskr fail to start below.
run_logged apt-install.log apt-get install -y --no-install-recommends "./$deb"
grep -E '^(Setting up|Get:)' apt-install.log | sed 's/^/  /'
status=$(dpkg-query -W -f='${Status} ${Version}' taskr)
[[ $status == "install ok installed $version" ]] || fail "dpkg says taskr is '$status', expected 'install ok installed $version'"
dpkg -L taskr | grep -vx '/\.' >files-before
while read -r p; do
  if [[ -d $p && ! -L $p ]]; then echo "d $p"; else echo "f $p"; fi
done <files-before >kinds-before
echo "installed $(grep -c '^f ' kinds-before) files:"
grep '^f ' kinds-before | cut -c3- | sed 's/^/  /'

# ---- taskr --version, taskr plugins -----------------------------------------
step "taskr --version"
[[ $(command -v taskr) == /usr/bin/taskr ]] || fail "taskr on PATH is '$(command -v taskr)', not /usr/bin/taskr"
out=$(taskr --version)
echo "$out"
[[ $out == "taskr $version" ]] || fail "taskr --version printed '$out', expected 'taskr $version'"

step "taskr plugins"
out=$(cd /tmp && taskr plugins)
printf '%s\n' "$out"
for p in checksum docker-buildx trivy syft-sbom health; do
  grep -Eq "^$p +[0-9]" <<<"$out" || fail "taskr plugins does not list $p"
  expect "$out" "/usr/lib/taskr/plugins/taskr-$p.so (beside taskr)" "taskr plugins (where $p was found)"
done

# ---- a small pipeline: a run task and a checksum task -------------------------
step "taskr run sums (a run task, then the checksum plugin in taskr-worker)"
ws=$work/ws
mkdir -p "$ws"
cat >"$ws/pipeline.toml" <<'EOF'
[tasks.dist]
run = '''
mkdir -p dist
taskr --version > dist/version.txt
echo "built by the run task" > dist/notes.txt
'''

[tasks.sums]
needs = ["dist"]
uses = "checksum"
with = { files = ["dist/*.txt"], output = "dist/SHA256SUMS" }

[tasks.check]
needs = ["sums"]
run = 'echo "sums: ${{ needs.sums.outputs.count }} files in ${{ needs.sums.outputs.file }}"'
EOF
code=0
out=$(cd "$ws" && taskr run check 2>&1) || code=$?
printf '%s\n' "$out"
[[ $code -eq 0 ]] || fail "taskr run check exited with $code"
expect "$out" "3 succeeded, 0 failed" "the console's summary"
expect "$(cat "$ws/.taskr/runs/latest/logs/check.log")" "sums: 2 files in dist/SHA256SUMS" \
  "the checksum task's outputs read by a later task (check.log)"
(cd "$ws/dist" && sha256sum -c SHA256SUMS) || fail "sha256sum -c does not accept the SHA256SUMS the checksum plugin wrote"

# ---- an out-of-tree plugin against the installed SDK --------------------------
step "cmake: find_package(taskr-sdk) + taskr_add_plugin, against /usr (tests/abi/hello)"
run_logged hello-configure.log cmake -S hello -B hello-build -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON "-DCMAKE_CXX_FLAGS=-Wall -Wextra -Wpedantic -Werror"
sdk_dir=$(sed -n 's/^taskr-sdk_DIR:[A-Z]*=//p' hello-build/CMakeCache.txt)
owner=$(dpkg-query -S "$sdk_dir/taskr-sdkConfig.cmake" 2>/dev/null || true)
[[ $owner == "taskr: "* ]] || fail "find_package(taskr-sdk) found '$sdk_dir', which the taskr package does not hold"
echo "taskr-sdk_DIR=$sdk_dir (from the taskr package)"
run_logged hello-build.log cmake --build hello-build -j 2
[[ -f hello-build/taskr-hello.so ]] || fail "taskr_add_plugin(hello ...) did not produce taskr-hello.so"
echo "built $work/hello-build/taskr-hello.so"

step "taskr loads the plugin it built (TASKR_PLUGIN_PATH)"
export TASKR_PLUGIN_PATH=$work/hello-build
out=$(cd /tmp && taskr plugins)
printf '%s\n' "$out"
expect "$out" "$work/hello-build/taskr-hello.so (TASKR_PLUGIN_PATH)" "taskr plugins (where hello was found)"
ws2=$work/ws-hello
mkdir -p "$ws2"
cat >"$ws2/pipeline.toml" <<'EOF'
[tasks.greet]
uses = "hello.greet"
with = { name = "debian" }

[tasks.show]
needs = ["greet"]
run = 'echo "show received: ${{ needs.greet.outputs.greeting }}"'
EOF
code=0
out=$(cd "$ws2" && taskr run show 2>&1) || code=$?
printf '%s\n' "$out"
[[ $code -eq 0 ]] || fail "taskr run show exited with $code"
expect "$out" "2 succeeded, 0 failed" "the console's summary"
expect "$(cat "$ws2/.taskr/runs/latest/logs/show.log")" "show received: hello, debian" \
  "the plugin's output read by a later task (show.log)"
unset TASKR_PLUGIN_PATH

# ---- purge ----------------------------------------------------------------------
step "apt-get remove --purge taskr"
run_logged apt-remove.log apt-get remove --purge -y taskr
grep -E '^(Removing|Purging)' apt-remove.log | sed 's/^/  /'
status=$(dpkg-query -W -f='${Status}' taskr 2>/dev/null || true)
[[ -z $status || $status == *not-installed* ]] || fail "after the purge dpkg still says taskr is '$status'"
left=()
kept=()
gone=0
while read -r kind p; do
  if [[ $kind == f ]]; then
    if [[ -e $p || -L $p ]]; then left+=("$p"); else gone=$((gone + 1)); fi
  elif [[ -d $p ]]; then
    # A directory stays only when another package still holds it (/usr, /usr/bin).
    if dpkg-query -S "$p" >/dev/null 2>&1; then kept+=("$p"); else left+=("$p"); fi
  else
    gone=$((gone + 1))
  fi
done <kinds-before
[[ ${#left[@]} -eq 0 ]] || fail "the purge left $(printf '%s ' "${left[@]}")"
echo "purged: $gone paths of the package are gone; kept, as other packages hold them: ${kept[*]}"
echo "PASS (inside the root)"
