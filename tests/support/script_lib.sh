# shellcheck shell=bash
# Helpers for the bash test scripts (tests/abi, tests/plugin_new, tests/package):
# source it, then use fail, step, run_logged and expect.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/../support/script_lib.sh"
#   run_logged "$tmp/build.log" cmake --build "$build"
#   expect "$out" "2 succeeded" "the console's summary"

# fail MESSAGE: print FAIL: MESSAGE on stderr and end the test.
fail() {
  echo "FAIL: $*" >&2
  exit 1
}

# step TEXT: say which step the test is at.
step() { echo "--- $*"; }

# run_logged LOG CMD...: run CMD with its output in LOG; show LOG if it fails.
run_logged() {
  local log=$1
  shift
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "command failed: $*"
  fi
}

# expect OUTPUT TEXT WHAT: fail unless OUTPUT contains TEXT.
expect() {
  if [[ $1 != *"$2"* ]]; then
    printf '%s\n' "$1" >&2
    fail "$3: expected the output above to contain '$2'"
  fi
}
