#!/usr/bin/env bash
# `taskr completion zsh` in zsh: installed as _taskr in a folder of $fpath (or
# sourced after compinit), it completes in an interactive zsh on a terminal,
# with compadd watched to list what it offers; then Tab inserts a completion
# and the command gets the words the user meant.
#
# usage: zsh_test.sh TASKR_BINARY
source "$(dirname "$0")/lib.sh" "$1"
mkdir -p "$tmp/site-functions"
taskr completion zsh >"$tmp/site-functions/_taskr" || exit 1
check "the script's first line" "#compdef taskr" "$(head -1 "$tmp/site-functions/_taskr")"

# complete LINE: the matches zsh offers with the cursor at the end of LINE.
complete() { TERM=dumb timeout 60 zsh -f "$here/zsh_complete.zsh" "${fpath_dir:-$tmp/site-functions}" "$1"; }
cat >"$tmp/setup.zsh" <<SETUP
PS1='' RPS1=''
fpath=($tmp/site-functions \$fpath)
autoload -U compinit && compinit -u -D
taskr() { printf 'ARGS<%s>\n' "\$@"; print ARGS-END }
SETUP
term() { TERM=dumb pty "$tmp/setup.zsh" "$1" zsh -f -i; }
# A bare "[" is zsh's own subscript completion; zsh users type "\[" or quote.
bracket='\[' shared_checks

check "sourced after compinit: targets after 'taskr run l'" "lint" "$(fpath_dir=source complete 'taskr run l')"
finish
