#!/usr/bin/env bash
# `taskr completion fish` in fish: installed where fish autoloads completions
# (a folder of $fish_complete_path), `complete -C LINE` lists what it offers;
# then Tab in an interactive fish on a terminal inserts a completion and the
# command gets the words the user meant.
#
# usage: fish_test.sh TASKR_BINARY
source "$(dirname "$0")/lib.sh" "$1"
mkdir -p "$tmp/vendor_completions.d"
taskr completion fish >"$tmp/vendor_completions.d/taskr.fish" || exit 1
fish --no-execute "$tmp/vendor_completions.d/taskr.fish" || exit 1

# complete LINE: the candidates fish offers with the cursor at the end of LINE
# (descriptions dropped).
complete() {
  fish -c 'set -p fish_complete_path $argv[1]; complete -C $argv[2]' \
    "$tmp/vendor_completions.d" "$1" | cut -f1
}
cat >"$tmp/setup.fish" <<SETUP
set -p fish_complete_path $tmp/vendor_completions.d
function taskr; printf 'ARGS<%s>\n' \$argv; echo ARGS-END; end
SETUP
term() { TERM=dumb pty "$tmp/setup.fish" "$1" fish -i; }
shared_checks
finish
