#!/usr/bin/env bash
# The Debian package, end to end:
#   1. cpack -G DEB on the build tree gives taskr_<version>_<arch>.deb, whose
#      Depends is what dpkg-shlibdeps computes for its binaries, which holds
#      taskr, taskr-worker, the first-party plugins in /usr/lib/taskr/plugins/,
#      the SDK headers and the taskr-sdk CMake package, and whose ELF files
#      carry no RPATH;
#   2. inside the fresh Debian root of the fixture (debian_root.sh), apt
#      installs it, and taskr, its plugins and its SDK work (deb_test_in_root.sh);
#   3. `apt-get remove --purge taskr` leaves none of its files behind.
#
# usage: deb_test.sh BUILD_DIR SOURCE_DIR STATE_FILE
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../support/script_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_lib.sh"

[[ $# -eq 3 ]] || fail "usage: $0 BUILD_DIR SOURCE_DIR STATE_FILE"
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
state=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

[[ -f $state ]] || fail "no Debian root recorded in $state: the setup test ('package: make a fresh Debian 12 root') did not run or failed"
root=$(<"$state")
[[ -f $root/.taskr-root-ready ]] || fail "the Debian root $root is not complete: the setup test failed (see its output)"
[[ -f $build/CPackConfig.cmake ]] || fail "$build/CPackConfig.cmake does not exist: configure taskr first"
[[ -x $build/runner/taskr ]] || fail "$build/runner/taskr does not exist: build taskr first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/taskr-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- 1. the package ---------------------------------------------------------------
step "cpack --config $build/CPackConfig.cmake -G DEB"
# Into a folder of our own, so a `package` target run at the same time in the
# build tree is not disturbed.
run_logged "$tmp/cpack.log" cpack --config "$build/CPackConfig.cmake" -G DEB -B "$tmp/out"
version=$(sed -n 's/^set(CPACK_PACKAGE_VERSION "\(.*\)")$/\1/p' "$build/CPackConfig.cmake")
arch=$(dpkg --print-architecture)
name=taskr_${version}_${arch}.deb
deb=$tmp/out/$name
[[ -f $deb ]] || fail "cpack did not write $name (got: $(find "$tmp/out" -maxdepth 1 -name '*.deb' -printf '%f '))"
echo "built $name ($(stat -c %s "$deb") bytes)"
dpkg-deb -I "$deb" | sed -n 's/^ \(Package\|Version\|Architecture\|Section\|Maintainer\|Depends\):/\1:/p'

step "dpkg-deb -c: the files"
dpkg-deb -c "$deb" | awk '{print $NF}' | sed 's|^\./|/|; s|/$||' | grep -v '^$' | sort >"$tmp/listing"
outside=$(grep -v -e '^/usr$' -e '^/usr/' "$tmp/listing" || true)
[[ -z $outside ]] || fail "the package installs outside /usr: $outside"
required=(/usr/bin/taskr /usr/bin/taskr-worker)
for so in "$build"/runner/plugins/taskr-*.so; do required+=("/usr/lib/taskr/plugins/${so##*/}"); done
for p in checksum docker-buildx trivy syft-sbom; do required+=("/usr/lib/taskr/plugins/taskr-$p.so"); done
for h in "$src"/sdk/include/taskr/*; do required+=("/usr/include/taskr/${h##*/}"); done
for f in "${required[@]}"; do
  grep -qx -- "$f" "$tmp/listing" || fail "the package does not hold $f"
done
for f in taskr-sdkConfig.cmake taskr-sdkConfigVersion.cmake TaskrPlugin.cmake; do
  grep -Eqx "/usr/lib(/[^/]+)?/cmake/taskr-sdk/$f" "$tmp/listing" || fail "the package does not hold lib/cmake/taskr-sdk/$f"
done
# Only first-party plugins, never the test plugins of tests/plugins/.
while read -r so; do
  [[ -f $build/runner/plugins/${so##*/} ]] || fail "the package holds $so, which is not a first-party plugin"
done < <(grep '^/usr/lib/taskr/plugins/.' "$tmp/listing")
echo "$(wc -l <"$tmp/listing") paths, all under /usr; every required one is there"

step "no RPATH, and Depends is dpkg-shlibdeps' own"
mkdir -p "$tmp/x"
dpkg-deb -x "$deb" "$tmp/x"
elves=()
while IFS= read -r -d '' f; do
  if [[ $(head -c 4 "$f" | od -An -c | tr -d ' ') == '177ELF' ]]; then elves+=("$f"); fi
done < <(find "$tmp/x" -type f -print0)
[[ ${#elves[@]} -ge 6 ]] || fail "expected at least 6 ELF files (2 binaries, 4 plugins), found ${#elves[@]}"
for f in "${elves[@]}"; do
  rpath=$(readelf -d "$f" | grep -E '\((RPATH|RUNPATH)\)' || true)
  [[ -z $rpath ]] || fail "${f#"$tmp/x"} has an RPATH: $rpath"
done
echo "${#elves[@]} ELF files, none with RPATH or RUNPATH"
# dpkg-shlibdeps run here on the same files must give exactly the package's Depends.
mkdir -p "$tmp/shlibs/debian"
printf 'Source: taskr\n\nPackage: taskr\nArchitecture: any\n' >"$tmp/shlibs/debian/control"
expected=$(cd "$tmp/shlibs" && dpkg-shlibdeps -O "${elves[@]}" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
actual=$(dpkg-deb -f "$deb" Depends)
sorted() { tr ',' '\n' <<<"$1" | sed 's/^ *//; s/ *$//' | grep -v '^$' | sort; }
[[ -n $actual ]] || fail "the package has no Depends line"
[[ $(sorted "$actual") == "$(sorted "$expected")" ]] ||
  fail "Depends is '$actual' but dpkg-shlibdeps gives '$expected'"
grep -q 'libc6' <<<"$actual" || fail "Depends does not name libc6: '$actual'"
echo "Depends matches dpkg-shlibdeps"

# ---- 2. and 3. inside the Debian root ------------------------------------------
step "into the Debian root $root"
inner=/tmp/taskr-package-test
rm -rf "${root:?}$inner"
mkdir -p "$root$inner"
cp "$deb" "$here/deb_test_in_root.sh" "$here/../support/script_lib.sh" "$root$inner/"
cp -r "$src/tests/abi/hello" "$root$inner/hello"
"$here/in_root.sh" "$root" bash "$inner/deb_test_in_root.sh" "$version" "$name"
rm -rf "${root:?}$inner"
echo "PASS: taskr_${version}_${arch}.deb installs, runs taskr, its plugins and its SDK, and purges cleanly"
