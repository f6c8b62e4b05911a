#!/usr/bin/env bash
# `taskr completion bash` in bash: the script is sourced (and loaded the way
# bash-completion loads an installed one), the completion function is called
# with the COMP_* variables bash sets and its COMPREPLY checked; then Tab in
# an interactive bash on a terminal, where readline inserts it.
#
# usage: bash_test.sh TASKR_BINARY
source "$(dirname "$0")/lib.sh" "$1"
source <(taskr completion bash) || exit 1

# complete LINE: what the completion offers with the cursor at the end of
# LINE: each reply as the word bash reads once readline has put it in place of
# its own word (what follows an open quote, which it then closes, or the last
# COMP_WORDBREAKS character, such as "="), in the fixture folder, where a
# reply left unquoted would glob to a file. With raw=1, the replies as they are.
complete() {
  local -a COMP_WORDS COMPREPLY=()
  local COMP_LINE=$1 COMP_POINT=${#1} COMP_CWORD r kept close=
  read -ra COMP_WORDS <<<"$1"
  [[ $1 == *' ' ]] && COMP_WORDS+=("")
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  _taskr taskr "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
  kept=${COMP_WORDS[COMP_CWORD]}
  if [[ $kept == [\'\"]* ]]; then
    kept=${kept:0:1} close=${kept:0:1}
  elif [[ $kept == *[=:]* ]]; then
    kept=${kept%"${kept##*[=:]}"}
  else
    kept=
  fi
  for r in "${COMPREPLY[@]}"; do
    if [[ ${raw-} ]]; then printf '%s\n' "$r"; else eval "printf '%s\n' $kept$r$close"; fi
  done
}
cat >"$tmp/setup.bash" <<'SETUP'
PS1=''
source <(taskr completion bash)
taskr() { printf 'ARGS<%s>\n' "$@"; echo ARGS-END; }
SETUP
term() { pty "$tmp/setup.bash" "$1" bash --norc --noprofile -i; }
shared_checks

# Readline replaces only what follows a COMP_WORDBREAKS character such as "=",
# so that is the reply, quoted; inside quotes nothing needs quoting.
check "the reply after 'taskr run image[service=a'" 'api\]' "$(raw=1 complete 'taskr run image[service=a')"
check "the replies after \"taskr run 'image[s\"" "image[service=api]
image[service=web]" "$(raw=1 complete "taskr run 'image[s")"
check "the reply after 'taskr graph --format=m'" "mermaid" "$(raw=1 complete 'taskr graph --format=m')"

# Installed where bash-completion looks, the script is loaded on first use
# (sourced inside a function, which its table must survive).
mkdir -p "$tmp/bash-completion/completions"
taskr completion bash >"$tmp/bash-completion/completions/taskr"
loaded=$(env -i HOME="$HOME" PATH="$PATH" BASH_COMPLETION_USER_DIR="$tmp/bash-completion" bash --norc -c '
  source /usr/share/bash-completion/bash_completion
  __load_completion taskr && complete -p taskr
  COMP_LINE="taskr graph --format " COMP_POINT=21 COMP_WORDS=(taskr graph --format "") COMP_CWORD=3
  _taskr taskr "" --format && echo "${COMPREPLY[*]}"')
check "bash-completion loads the installed script" "complete -F _taskr taskr
dot mermaid json" "$loaded"
finish
