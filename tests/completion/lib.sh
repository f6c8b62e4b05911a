# Shared by the completion tests (sourced): a fixture workspace with a matrix
# task and environments/, the taskr under test first on PATH, what taskr's own
# --help says there is, and checks that print what differed.
#
# usage (from a test): source lib.sh TASKR_BINARY
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
taskr_bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# No user configuration of any shell takes part.
export HOME=$tmp/home XDG_CONFIG_HOME=$tmp/home/.config XDG_DATA_HOME=$tmp/home/.local/share
export INPUTRC=/dev/null TERM=dumb
mkdir -p "$HOME"
export PATH=$(dirname "$taskr_bin"):$PATH

# The fixture: two pipelines, a plain task, matrix tasks with one and two keys,
# two environments, and files that an unquoted instance id would glob to
# (image[service=api] matches "images"), so a completion that is not quoted
# properly fails the checks below.
ws=$tmp/ws
mkdir -p "$ws/environments/staging" "$ws/environments/production" "$ws/sub"
touch "$ws/images" "$ws/tests" "$ws/environments/staging/environment.toml" \
  "$ws/environments/production/environment.toml"
cat >"$ws/pipeline.toml" <<'TOML'
[pipelines.ci]
tasks = ["lint", "test"]

[pipelines.release]
tasks = ["image"]

[tasks.lint]
run = "true"

[tasks.test]
matrix = { os = ["linux"], py = ["3.11", "3.12"] }
run = "true"

[tasks.image]
matrix = { service = ["api", "web"] }
run = "echo ${{ matrix.service }}"
TOML
cd "$ws" || exit 1

failures=0
# check NAME EXPECTED ACTUAL: both newline-separated lists, compared as sets.
check() {
  local want got
  want=$(printf '%s\n' "$2" | sed '/^$/d' | LC_ALL=C sort -u)
  got=$(printf '%s\n' "$3" | sed '/^$/d' | LC_ALL=C sort -u)
  if [[ $want == "$got" ]]; then
    echo "ok    $1: $(tr '\n' ' ' <<<"$got")"
  else
    echo "FAIL  $1"
    diff <(echo "$want") <(echo "$got") | sed -n 's/^</      missing: /p; s/^>/      unexpected: /p'
    failures=$((failures + 1))
  fi
}
finish() {
  if ((failures)); then
    echo "$failures check(s) failed"
    exit 1
  fi
  echo "all checks passed"
}

# What taskr itself says: its subcommands, and each command's long options
# (-C and -f, taskr's own, are accepted after every subcommand too).
subcommands() { taskr --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [^ ]/ { print $1 }'; }
long_options() {
  taskr "$@" --help | grep -oE '^  (-[[:alnum:]], ?)?--[[:alnum:]-]+' | grep -oE -- '--[[:alnum:]-]+'
  [[ $# -gt 0 ]] && printf '%s\n' --directory --file
}
has_option() { long_options "$1" | grep -qx -- "$2"; }

expected_targets='ci
release
lint
test
test[os=linux,py=3.11]
test[os=linux,py=3.12]
image
image[service=api]
image[service=web]'
expected_envs='production
staging'

# pty SETUP_FILE LINE SHELL [ARGS...]: types LINE, Tab and Enter into SHELL on
# a terminal and prints what the `taskr` function SETUP_FILE defines was given.
pty() { timeout 60 zsh -f "$here/pty.zsh" "$@"; }

# shared_checks: what every shell must offer, through the test's own
# `complete LINE` (the candidates, unquoted) and `term LINE` (the ARGS<...>
# lines after Tab and Enter). $bracket is how a user of the shell types an
# unquoted "[" (zsh's own subscript completion takes a bare one).
shared_checks() {
  local b=${bracket:-[}
  check "subcommands after 'taskr '" "$(subcommands)" "$(complete 'taskr ')"
  check "subcommands after 'taskr va'" "validate" "$(complete 'taskr va')"
  local sub
  for sub in $(subcommands); do
    check "options after 'taskr $sub --'" "$(long_options "$sub")" "$(complete "taskr $sub --")"
  done
  check "options after 'taskr --'" "$(long_options)" "$(complete 'taskr --')"
  check "taskr list --names is what the fixture holds" "$expected_targets" "$(taskr list --names)"
  check "targets after 'taskr run '" "$expected_targets" "$(complete 'taskr run ')"
  check "targets after 'taskr run lint '" "$expected_targets" "$(complete 'taskr run lint ')"
  check "targets after 'taskr graph '" "$expected_targets" "$(complete 'taskr graph ')"
  check "targets after 'taskr run -j 2 --keep-going im'" "image
image[service=api]
image[service=web]" "$(complete 'taskr run -j 2 --keep-going im')"
  check "instances after 'taskr run test${b}os=linux,'" "test[os=linux,py=3.11]
test[os=linux,py=3.12]" "$(complete "taskr run test${b}os=linux,")"
  check "instances inside quotes after \"taskr run 'image[s\"" "image[service=api]
image[service=web]" "$(complete "taskr run 'image[s")"
  check "graph formats after 'taskr graph --format '" "dot
mermaid
json" "$(complete 'taskr graph --format ')"
  check "graph formats after 'taskr graph --format=m'" "--format=mermaid" \
    "$(complete 'taskr graph --format=m')"
  check "cache commands after 'taskr cache '" "stats
prune
clean" "$(complete 'taskr cache ')"
  check "plugins commands after 'taskr plugins '" "list
info" "$(complete 'taskr plugins ')"
  local plugins
  plugins=$(taskr list --names --plugins)
  [[ -n $plugins ]] || check "taskr list --names --plugins finds the built plugins" "a plugin" ""
  check "plugin names after 'taskr plugins info '" "$plugins" "$(complete 'taskr plugins info ')"
  check "shells after 'taskr completion '" "bash
zsh
fish" "$(complete 'taskr completion ')"
  check "taskr list --names --envs is what environments/ holds" "$expected_envs" \
    "$(taskr list --names --envs)"
  if has_option run --env; then
    check "environments after 'taskr run --env '" "$expected_envs" "$(complete 'taskr run --env ')"
  else
    echo "note  taskr run has no --env yet: 'taskr run --env ' must offer nothing"
    check "nothing after 'taskr run --env ' (no such option yet)" "" "$(complete 'taskr run --env ')"
  fi
  check "nothing after an option value: 'taskr run --jobs '" "" "$(complete 'taskr run --jobs ')"
  check "files after 'taskr run --summary pipe'" "pipeline.toml" \
    "$(complete 'taskr run --summary pipe')"
  check "directories after 'taskr -C su'" "sub/" "$(complete 'taskr -C su' | sed 's|/*$|/|')"

  cd "$tmp" || exit 1
  check "nothing after 'taskr run ' without a pipeline.toml" "" "$(complete 'taskr run ')"
  check "targets of -C DIR after 'taskr -C ws run l'" "lint" "$(complete 'taskr -C ws run l')"
  check "targets of -C DIR after 'taskr run -C ws l'" "lint" "$(complete 'taskr run -C ws l')"
  check "targets of -f FILE after 'taskr -f ws/pipeline.toml graph l'" "lint" \
    "$(complete 'taskr -f ws/pipeline.toml graph l')"
  cd "$ws" || exit 1

  # In the interactive shell, with "images" and "tests" beside it.
  check "interactive: 'taskr ru<Tab>'" "ARGS<run>" "$(term 'taskr ru')"
  check "interactive: 'taskr run image${b}service=a<Tab>'" "ARGS<run>
ARGS<image[service=api]>" "$(term "taskr run image${b}service=a")"
  check "interactive: 'taskr run test${b}os=linux,py=3.12<Tab>'" "ARGS<run>
ARGS<test[os=linux,py=3.12]>" "$(term "taskr run test${b}os=linux,py=3.12")"
  check "interactive: \"taskr run 'image[service=w<Tab>\"" "ARGS<run>
ARGS<image[service=web]>" "$(term "taskr run 'image[service=w")"
  check "interactive: 'taskr graph --format=me<Tab>'" "ARGS<graph>
ARGS<--format=mermaid>" "$(term 'taskr graph --format=me')"
}
