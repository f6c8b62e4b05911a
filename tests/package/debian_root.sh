#!/usr/bin/env bash
# The fresh Debian 12 root the package test installs taskr's .deb into, made
# once per ctest run (the FIXTURES_SETUP test) and removed at the end (the
# FIXTURES_CLEANUP test).
#
#   debian_root.sh setup STATE_FILE    debootstrap --variant=minbase bookworm into
#                                      a new /tmp/taskr-deb-root.XXXXXX, from the
#                                      mirror the host's apt uses (or
#                                      $TASKR_DEB_MIRROR), then install
#                                      g++, cmake and make (for the SDK check);
#                                      STATE_FILE gets the root's path
#   debian_root.sh cleanup STATE_FILE  remove that root and STATE_FILE
#
# A root that cannot be made (no network to the mirror, not root, no
# debootstrap) fails the setup, and so the test that needs it: never a pass.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=../support/script_lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/../support/script_lib.sh"

[[ $# -eq 2 ]] || fail "usage: $0 setup|cleanup STATE_FILE"
action=$1
state=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
suite=bookworm
root_pattern='/tmp/taskr-deb-root.*'

# apt_entries: "URI SUITE" for every `deb` entry of the host's apt sources,
# one-line (sources.list) and deb822 (*.sources) alike.
apt_entries() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }'
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk '
      function flush(   i, j, nu, ns, u, s) {
        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
          nu = split(uris, u, /[ \t]+/)
          ns = split(suites, s, /[ \t]+/)
          for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++) if (u[i] != "" && s[j] != "") print u[i], s[j]
        }
        types = uris = suites = enabled = ""
      }
      /^[ \t]*#/ { next }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]/ { next }   # a continuation line (an inline Signed-By key)
      {
        key = tolower($0); sub(/:.*/, "", key)
        val = $0; sub(/^[^:]*:[ \t]*/, "", val)
        if (key == "types") types = val
        else if (key == "uris") uris = val
        else if (key == "suites") suites = val
        else if (key == "enabled") enabled = val
      }
      END { flush() }' "$f"
  done
}

setup() {
  [[ $(id -u) -eq 0 ]] || fail "making a Debian root needs root (debootstrap, chroot, mount)"
  command -v debootstrap >/dev/null || fail "debootstrap is not installed (scripts/install-deps installs it)"
  command -v unshare >/dev/null || fail "unshare (util-linux) is not installed"

  local entries mirror
  entries=$(apt_entries)
  mirror=$(awk -v s="$suite" '$2 == s { print $1; exit }' <<<"$entries")
  # TASKR_DEB_MIRROR replaces it, for the root's apt too (a local mirror).
  if [[ -n ${TASKR_DEB_MIRROR:-} ]]; then
    entries=$(
      awk -v m="$TASKR_DEB_MIRROR" -v old="$mirror" 'old != "" && $1 == old { $1 = m } { print }' <<<"$entries"
      echo "$TASKR_DEB_MIRROR $suite"
    )
    mirror=$TASKR_DEB_MIRROR
  fi
  [[ -n $mirror ]] || fail "no '$suite' entry in the host's apt sources (/etc/apt/sources.list.d/debian.sources, /etc/apt/sources.list): cannot tell which mirror to debootstrap from"

  # A root left by an interrupted run goes first.
  if [[ -f $state ]]; then cleanup; fi
  local root
  root=$(mktemp -d /tmp/taskr-deb-root.XXXXXX)
  # Recorded first, so that the cleanup test removes a half-made root too.
  mkdir -p "$(dirname "$state")"
  printf '%s\n' "$root" >"$state"

  local include=()
  if [[ $mirror == https:* ]]; then include=(--include=ca-certificates); fi
  step "debootstrap --variant=minbase $suite $root $mirror"
  local started=$SECONDS
  if ! debootstrap --variant=minbase "${include[@]}" "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1; then
    tail -n 30 "$root.debootstrap.log" >&2
    fail "debootstrap could not make a $suite root from $mirror (is the mirror reachable from this machine?); full log: $root.debootstrap.log"
  fi
  rm -f "$root.debootstrap.log"
  echo "debootstrap took $((SECONDS - started))s"

  # The root's apt uses the host's mirrors for bookworm and its updates and
  # security suites, so it sees the same package versions as the host.
  local keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=""
  [[ -f $root$keyring ]] && signed=" [signed-by=$keyring]"
  awk -v s="$suite" -v signed="$signed" \
    '($2 == s || $2 == s "-updates" || $2 == s "-security") && !seen[$0]++ { print "deb" signed, $1, $2, "main" }' \
    <<<"$entries" >"$root/etc/apt/sources.list"
  echo "apt sources in the root:"
  sed 's/^/  /' "$root/etc/apt/sources.list"

  # The host's locally added CA certificates, which an https mirror (or a
  # TLS-inspecting network) needs for apt inside the root as on the host.
  if [[ $mirror == https:* ]] || grep -q '^deb[^ ]* *\(\[[^]]*\] *\)\?https:' "$root/etc/apt/sources.list"; then
    if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
      mkdir -p "$root/usr/local/share/ca-certificates"
      cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
      "$here/in_root.sh" "$root" update-ca-certificates >/dev/null
    fi
  fi

  step "apt-get install g++ cmake make in the root"
  started=$SECONDS
  if ! "$here/in_root.sh" "$root" bash -c \
    'apt-get update -qq && apt-get install -y -qq --no-install-recommends g++ cmake make' \
    >"$root.apt.log" 2>&1; then
    tail -n 30 "$root.apt.log" >&2
    fail "could not install g++, cmake and make in the root from $mirror; full log: $root.apt.log"
  fi
  rm -f "$root.apt.log"
  echo "apt-get took $((SECONDS - started))s"
  "$here/in_root.sh" "$root" bash -c 'g++ --version | head -n1; cmake --version | head -n1'
  touch "$root/.taskr-root-ready"
  echo "root ready: $root"
}

cleanup() {
  [[ -f $state ]] || { echo "no root recorded in $state: nothing to remove"; return 0; }
  local root
  root=$(<"$state")
  # shellcheck disable=SC2053  # the pattern is meant to match
  [[ $root == $root_pattern && $root != */../* ]] || fail "$state names '$root', which is not a root this test makes ($root_pattern): not removing it"
  # in_root.sh mounts only inside its own namespaces; a mount seen here would
  # be someone else's, and rm must never walk into a mounted /dev or /proc.
  if findmnt -rn -o TARGET | awk -v r="$root" '$0 == r || index($0, r "/") == 1' | grep -q .; then
    fail "something is mounted below $root; not removing it"
  fi
  rm -rf --one-file-system "$root" "$root.debootstrap.log" "$root.apt.log"
  rm -f "$state"
  echo "removed $root"
}

case $action in
  setup) setup ;;
  cleanup) cleanup ;;
  *) fail "usage: $0 setup|cleanup STATE_FILE" ;;
esac
