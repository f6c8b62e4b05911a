// taskr completion: prints a bash, zsh or fish script that completes taskr's
// command line. The subcommands, options and choices are read from the CLI11
// app when the script is printed, so a new command or option is completed as
// soon as the script is generated again (the build does that for the
// installed scripts). What depends on the pipeline (targets, environments) or
// on the machine (plugins) the script asks `taskr list --names` for each time.
#include <fmt/core.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runner/cli/command.h"

namespace taskr {
namespace {

// The table every script carries, the same for each shell. Its keys, with
// PATH the subcommands on the way ("" for taskr itself, "run", "plugins"):
//   sub:PATH        the subcommands of PATH, one "name<TAB>description" a line
//   opt:PATH        the option names PATH accepts, one "name<TAB>description" a line
//   val:PATH NAME   present when option NAME takes a value: what completes it
//   arg:PATH        what completes each positional of PATH, one a line; a "*"
//                   before the last one repeats it
// What completes a value is a list of choices separated by spaces, or one of
// the sources below.
using CompletionTable = std::vector<std::pair<std::string, std::string>>;

constexpr std::string_view kTargets = "@targets";  // `taskr list --names`
constexpr std::string_view kEnvs = "@envs";        // `taskr list --names --envs`
constexpr std::string_view kPlugins = "@plugins";  // `taskr list --names --plugins`
constexpr std::string_view kFiles = "@files";      // the shell's own file names
constexpr std::string_view kDirs = "@dirs";        // the shell's own directory names
constexpr std::string_view kNothing = "@none";     // a value, but none to offer

/// AskedValues names a positional or option whose values only taskr knows at
/// completion time; everything else comes from the app.
struct AskedValues {
  std::string_view command;  // the subcommand path; "" for any command
  std::string_view name;     // a positional's name or an option's long name
  std::string_view source;   // kTargets, kEnvs or kPlugins
};

constexpr AskedValues kAskedValues[] = {
    {"run", "targets", kTargets}, {"graph", "targets", kTargets}, {"plugins", "name", kPlugins},
    {"", "--env", kEnvs},      // `run --env E` (DESIGN §12), completed once it exists
    {"", "--approve", kEnvs},  // `run --approve E`, likewise
};

// OneLine keeps a description's first line, with no tab to break the table.
std::string OneLine(std::string text) {
  text = text.substr(0, text.find('\n'));
  for (char& c : text) {
    if (c == '\t') c = ' ';
  }
  return text;
}

// Choices reads the set an IsMember check puts into the option's type name
// ("TEXT:{dot,mermaid,json}"); "" when there is none.
std::string Choices(const CLI::Option& option) {
  std::string type = option.get_type_name();
  size_t open = type.find(":{");
  size_t close = type.find('}', open);
  if (open == std::string::npos || close == std::string::npos) return "";
  std::string choices;
  std::string_view set(type.data() + open + 2, close - open - 2);
  while (!set.empty()) {
    size_t comma = set.find(',');
    std::string_view item = set.substr(0, comma);
    item = item.substr(0, item.find("->"));  // a Transformer's "from->to"
    choices += (choices.empty() ? "" : " ") + std::string(item);
    set = comma == std::string_view::npos ? std::string_view() : set.substr(comma + 1);
  }
  return choices;
}

// ValueSource says what completes the value of `option` in `path`.
std::string ValueSource(const std::string& path, const CLI::Option& option) {
  std::string name = option.get_name();  // "targets", or "--format" (the first long name)
  for (const auto& asked : kAskedValues) {
    if ((asked.command.empty() || asked.command == path) && asked.name == name) {
      return std::string(asked.source);
    }
  }
  if (std::string choices = Choices(option); !choices.empty()) return choices;
  std::string type = option.get_type_name();
  type = type.substr(0, type.find(':'));
  if (type == "FILE") return std::string(kFiles);
  if (type == "DIR") return std::string(kDirs);
  return std::string(kNothing);
}

// OptionsOf lists the options of `cmd`, its option groups' included, in the
// order they were added.
std::vector<const CLI::Option*> OptionsOf(const CLI::App& cmd) {
  std::vector<const CLI::Option*> options = cmd.get_options();
  for (const CLI::App* group : cmd.get_subcommands({})) {
    if (!group->get_name().empty()) continue;
    for (const CLI::Option* o : group->get_options()) options.push_back(o);
  }
  return options;
}

// Hidden tells an option left out of --help (CLI11's empty group), which is not completed either.
bool Hidden(const CLI::Option& option) { return option.get_group().empty(); }

// AddCommand puts the rows of `cmd` (at `path`) and of its subcommands into
// `table`; `inherited` are the options of the commands above that `cmd`
// accepts too.
void AddCommand(const CLI::App& cmd, const std::string& path,
                std::vector<const CLI::Option*> inherited, CompletionTable* table) {
  std::string subs;
  std::vector<const CLI::App*> children;
  for (const CLI::App* sub : cmd.get_subcommands({})) {
    if (sub->get_name().empty() || sub->get_disabled() || sub->get_group().empty()) continue;
    subs += fmt::format("{}\t{}\n", sub->get_name(), OneLine(sub->get_description()));
    children.push_back(sub);
  }
  std::vector<const CLI::Option*> options = inherited;
  for (const CLI::Option* o : OptionsOf(cmd)) {
    if (!o->get_positional()) options.push_back(o);
  }
  std::string opts, args;
  for (const CLI::Option* o : options) {
    if (Hidden(*o)) continue;
    std::vector<std::string> names;
    for (const auto& s : o->get_snames()) names.push_back("-" + s);
    for (const auto& l : o->get_lnames()) names.push_back("--" + l);
    for (const auto& name : names) {
      opts += fmt::format("{}\t{}\n", name, OneLine(o->get_description()));
      if (o->get_items_expected_max() > 0) {
        table->emplace_back(fmt::format("val:{} {}", path, name), ValueSource(path, *o));
      }
    }
  }
  for (const CLI::Option* o : OptionsOf(cmd)) {
    if (!o->get_positional() || Hidden(*o)) continue;
    args +=
        fmt::format("{}{}\n", o->get_items_expected_max() > 1 ? "*" : "", ValueSource(path, *o));
  }
  auto chomp = [](std::string s) { return s.empty() ? s : s.substr(0, s.size() - 1); };
  table->emplace_back("sub:" + path, chomp(subs));
  table->emplace_back("opt:" + path, chomp(opts));
  if (!args.empty()) table->emplace_back("arg:" + path, chomp(args));

  // With fallthrough a subcommand also takes its parents' options (-C, -f),
  // but help and --version stay each command's own.
  for (const CLI::App* sub : children) {
    std::vector<const CLI::Option*> passed;
    if (sub->get_fallthrough()) {
      for (const CLI::Option* o : options) {
        if (o != cmd.get_help_ptr() && o != cmd.get_help_all_ptr() && o != cmd.get_version_ptr()) {
          passed.push_back(o);
        }
      }
    }
    AddCommand(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), passed, table);
  }
}

// Quote writes `text` as one word of `shell`: $'...' for bash and zsh; for
// fish, single-quoted runs joined by unquoted \n and \t.
std::string Quote(std::string_view shell, std::string_view text) {
  bool fish = shell == "fish";
  std::string out = fish ? "'" : "$'";
  for (char c : text) {
    if (c == '\\' || c == '\'') out += '\\';
    if (c == '\n' || c == '\t') {
      std::string_view escape = c == '\n' ? "\\n" : "\\t";
      out += fish ? fmt::format("'{}'", escape) : std::string(escape);
    } else {
      out += c;
    }
  }
  return out + "'";
}

// Substitute puts the rendered table and taskr's version into a script.
std::string Substitute(std::string_view script, const std::string& table) {
  std::string out(script);
  out.replace(out.find("@TABLE@"), 7, table);
  out.replace(out.find("@VERSION@"), 9, TASKR_VERSION);
  return out;
}

// The scripts share one walk over the words before the cursor: options that
// take a value skip it (and -C/-f, options of taskr itself, are kept to pass
// on), a subcommand name before any positional enters that subcommand, and
// anything else is the next positional. The word under the cursor is then an
// option's value, an option, or a subcommand or positional.

constexpr std::string_view kBashScript =
    R"sh(# bash completion for taskr, printed by `taskr completion bash` (taskr @VERSION@).
#
# Load it now:          source <(taskr completion bash)
# or for every shell:   taskr completion bash > /usr/share/bash-completion/completions/taskr
#
# Subcommands and options are those of the taskr that printed this script.
# Pipelines, tasks, matrix instances, environments and plugins are asked of
# taskr (`taskr list --names`) each time, for the pipeline.toml found from the
# current directory or named by -C and -f on the command line.

# What completes what, keyed "sub:PATH", "opt:PATH", "val:PATH OPTION" and
# "arg:PATH" (see runner/cli/completion_command.cc).
declare -gA __taskr_table=(
@TABLE@
)

# __taskr_lex splits the line up to the cursor into words as the shell will:
# __taskr_words holds them unquoted, the last one being completed;
# __taskr_start is where in that one readline's word begins (after an open
# quote or a COMP_WORDBREAKS character), and __taskr_quote the quote open there.
__taskr_lex() {
  local line=${COMP_LINE:0:COMP_POINT} word="" c i inword=0 saved=0
  __taskr_words=() __taskr_start=0 __taskr_quote=""
  for ((i = 0; i < ${#line}; i++)); do
    c=${line:i:1}
    if [[ $__taskr_quote == "'" ]]; then
      if [[ $c == "'" ]]; then __taskr_quote="" __taskr_start=$saved; else word+=$c; fi
    elif [[ $c == '\' ]]; then
      ((i++))
      c=${line:i:1}
      [[ $__taskr_quote == '"' && $c != [\$\`\"\\] ]] && word+='\'
      word+=$c inword=1
    elif [[ $__taskr_quote == '"' ]]; then
      if [[ $c == '"' ]]; then __taskr_quote="" __taskr_start=$saved; else word+=$c; fi
    elif [[ $c == [[:space:]] ]]; then
      ((inword)) && __taskr_words+=("$word")
      word="" inword=0 __taskr_start=0
    elif [[ $c == [\'\"] ]]; then
      __taskr_quote=$c saved=$__taskr_start __taskr_start=${#word} inword=1
    else
      word+=$c inword=1
      [[ ${COMP_WORDBREAKS-} == *"$c"* ]] && __taskr_start=${#word}
    fi
  done
  __taskr_words+=("$word")
}

# __taskr_names prints the first field of each line of table entry $1.
__taskr_names() {
  local line
  while IFS= read -r line; do
    [[ -n $line ]] && printf '%s\n' "${line%%$'\t'*}"
  done <<<"${__taskr_table[$1]-}"
}

# __taskr_known tells whether option word $1 (or its first letter, as in -kn)
# is one that command $cmd accepts.
__taskr_known() {
  local names=$'\n'$(__taskr_names "opt:$cmd")$'\n'
  [[ $names == *$'\n'"$1"$'\n'* || ($1 != --* && $names == *$'\n'"${1:0:2}"$'\n'*) ]]
}

# __taskr_values prints the candidates of value source $1.
__taskr_values() {
  local -a choices=()
  case $1 in
    @targets) command "${words[0]}" "${globals[@]}" list --names 2>/dev/null ;;
    @envs) command "${words[0]}" "${globals[@]}" list --names --envs 2>/dev/null ;;
    @plugins) command "${words[0]}" "${globals[@]}" list --names --plugins 2>/dev/null ;;
    @*) ;;
    *)
      read -ra choices <<<"$1"
      ((${#choices[@]})) && printf '%s\n' "${choices[@]}"
      ;;
  esac
}

# __taskr_reply offers each candidate that starts with the word being
# completed, from where readline's word begins, quoted so it stays one word.
__taskr_reply() {
  local c
  for c; do
    [[ $c == "$cur"* ]] || continue
    c=${c:__taskr_start}
    case $__taskr_quote in
      "'") ;;
      '"') c=${c//\\/\\\\} c=${c//\"/\\\"} c=${c//\$/\\\$} c=${c//\`/\\\`} ;;
      *) printf -v c %q "$c" ;;
    esac
    COMPREPLY+=("$c")
  done
}

_taskr() {
  local -a __taskr_words=() words=() globals=() candidates=() specs=()
  local __taskr_start __taskr_quote
  __taskr_lex
  words=("${__taskr_words[@]}")
  local cword=$((${#words[@]} - 1))
  local cur=${words[cword]} cmd="" npos=0 i=1 w c name opt="" dashdash=0 spec="" prefix=""
  COMPREPLY=()
  while ((i < cword)); do
    w=${words[i]}
    if ((!dashdash)) && [[ $w == -?* ]]; then
      if [[ $w == -- ]]; then
        dashdash=1
      elif [[ $w == --*=* ]]; then
        name=${w%%=*}
        [[ ${__taskr_table["val: $name"]+set} ]] && globals+=("$name" "${w#*=}")
      elif [[ ${__taskr_table["val:$cmd $w"]+set} ]]; then
        if ((i + 1 == cword)); then
          opt=$w
          break
        fi
        ((i++))
        [[ ${__taskr_table["val: $w"]+set} ]] && globals+=("$w" "${words[i]}")
      elif [[ $w != --* && ${__taskr_table["val:$cmd ${w:0:2}"]+set} ]]; then
        [[ ${__taskr_table["val: ${w:0:2}"]+set} ]] && globals+=("${w:0:2}" "${w:2}")
      elif ((i + 1 == cword)) && ! __taskr_known "$w"; then
        return 0  # an option this taskr does not know may take a value: offer nothing
      fi
    elif ((npos == 0)) && [[ $'\n'$(__taskr_names "sub:$cmd")$'\n' == *$'\n'"$w"$'\n'* ]]; then
      cmd=${cmd:+$cmd }$w
    else
      ((npos++))
    fi
    ((i++))
  done

  if [[ -n $opt ]]; then
    spec=${__taskr_table["val:$cmd $opt"]}
  elif ((!dashdash)) && [[ $cur == --*=* && ${__taskr_table["val:$cmd ${cur%%=*}"]+set} ]]; then
    prefix=${cur%%=*}=
    spec=${__taskr_table["val:$cmd ${cur%%=*}"]}
  elif ((!dashdash)) && [[ $cur == -* ]]; then
    mapfile -t candidates < <(__taskr_names "opt:$cmd")
    __taskr_reply "${candidates[@]}"
    return 0
  else
    ((npos == 0)) && mapfile -t candidates < <(__taskr_names "sub:$cmd")
    [[ -n ${__taskr_table["arg:$cmd"]-} ]] && mapfile -t specs <<<"${__taskr_table["arg:$cmd"]}"
    if ((npos < ${#specs[@]})); then
      spec=${specs[npos]}
    elif ((${#specs[@]})) && [[ ${specs[-1]} == \** ]]; then
      spec=${specs[-1]}
    fi
    spec=${spec#\*}
  fi

  case $spec in
    @files | @dirs)
      # Readline quotes file names itself, and marks directories.
      compopt -o filenames 2>/dev/null
      local flag=-f
      [[ $spec == @dirs ]] && flag=-d
      mapfile -t candidates < <(compgen "$flag" -- "${cur#"$prefix"}")
      for c in "${candidates[@]}"; do
        c=$prefix$c
        COMPREPLY+=("${c:__taskr_start}")
      done
      return 0
      ;;
  esac
  while IFS= read -r c; do
    [[ -n $c ]] && candidates+=("$prefix$c")
  done < <(__taskr_values "$spec")
  __taskr_reply "${candidates[@]}"
  return 0
}

complete -F _taskr taskr
)sh";

constexpr std::string_view kZshScript = R"sh(#compdef taskr
# zsh completion for taskr, printed by `taskr completion zsh` (taskr @VERSION@).
#
# Load it now (after compinit):  source <(taskr completion zsh)
# or for every shell, as _taskr in a folder of $fpath:
#   taskr completion zsh > /usr/share/zsh/vendor-completions/_taskr
#
# Subcommands and options are those of the taskr that printed this script.
# Pipelines, tasks, matrix instances, environments and plugins are asked of
# taskr (`taskr list --names`) each time, for the pipeline.toml found from the
# current directory or named by -C and -f on the command line.

_taskr() {
  # What completes what, keyed "sub:PATH", "opt:PATH", "val:PATH OPTION" and
  # "arg:PATH" (see runner/cli/completion_command.cc).
  local -A table
  table=(
@TABLE@
  )
  local -a globals subs known specs described candidates
  local cmd="" w name opt="" spec="" line
  integer npos=0 i=2 dashdash=0
  local taskr=${(Q)words[1]}
  while (( i < CURRENT )); do
    w=${(Q)words[i]}
    subs=(${${(f)table[sub:$cmd]}%%$'\t'*})
    if (( !dashdash )) && [[ $w == -?* ]]; then
      if [[ $w == -- ]]; then
        dashdash=1
      elif [[ $w == --*=* ]]; then
        name=${w%%=*}
        (( ${+table[val: $name]} )) && globals+=("$name" "${w#*=}")
      elif (( ${+table[val:$cmd $w]} )); then
        if (( i + 1 == CURRENT )); then
          opt=$w
          break
        fi
        (( i++ ))
        (( ${+table[val: $w]} )) && globals+=("$w" "${(Q)words[i]}")
      elif [[ $w != --* ]] && (( ${+table[val:$cmd ${w[1,2]}]} )); then
        (( ${+table[val: ${w[1,2]}]} )) && globals+=("${w[1,2]}" "${w[3,-1]}")
      elif (( i + 1 == CURRENT )); then
        known=(${${(f)table[opt:$cmd]}%%$'\t'*})
        # An option this taskr does not know may take a value: offer nothing.
        if ! (( $known[(Ie)$w] )) && { [[ $w == --* ]] || ! (( $known[(Ie)${w[1,2]}] )) }; then
          return 1
        fi
      fi
    elif (( npos == 0 && $subs[(Ie)$w] )); then
      cmd=${cmd:+$cmd }$w
    else
      (( npos++ ))
    fi
    (( i++ ))
  done

  local cur=${(Q)PREFIX}
  if [[ -n $opt ]]; then
    spec=${table[val:$cmd $opt]}
  elif (( !dashdash )) && [[ $cur == --*=* ]] && (( ${+table[val:$cmd ${cur%%=*}]} )); then
    spec=${table[val:$cmd ${cur%%=*}]}
    compset -P '*='
  elif (( !dashdash )) && [[ $cur == -* ]]; then
    for line in ${(f)table[opt:$cmd]}; do
      described+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
    done
    _describe -t options 'option' described
    return
  else
    if (( npos == 0 )) && [[ -n ${table[sub:$cmd]} ]]; then
      for line in ${(f)table[sub:$cmd]}; do
        described+=("${${line%%$'\t'*}//:/\\:}:${line#*$'\t'}")
      done
      _describe -t commands 'taskr command' described
    fi
    specs=(${(f)table[arg:$cmd]})
    if (( npos < $#specs )); then
      spec=${specs[npos + 1]}
    elif (( $#specs )) && [[ ${specs[-1]} == \** ]]; then
      spec=${specs[-1]}
    fi
    spec=${spec#\*}
  fi

  case $spec in
    @files) _files ;;
    @dirs) _files -/ ;;
    @targets) candidates=(${(f)"$(command $taskr $globals list --names 2>/dev/null)"}) ;;
    @envs) candidates=(${(f)"$(command $taskr $globals list --names --envs 2>/dev/null)"}) ;;
    @plugins) candidates=(${(f)"$(command $taskr $globals list --names --plugins 2>/dev/null)"}) ;;
    @*) ;;
    *) candidates=(${=spec}) ;;
  esac
  (( $#candidates )) && _wanted values expl 'value' compadd -a candidates
  return 0
}

if [[ $funcstack[1] == _taskr ]]; then
  _taskr "$@"
elif (( $+functions[compdef] )); then
  compdef _taskr taskr
else
  print -u2 'taskr completion zsh: run compinit first (autoload -U compinit && compinit)'
fi
)sh";

constexpr std::string_view kFishScript =
    R"sh(# fish completion for taskr, printed by `taskr completion fish` (taskr @VERSION@).
#
# Load it now:          taskr completion fish | source
# or for every shell:   taskr completion fish > /usr/share/fish/vendor_completions.d/taskr.fish
#
# Subcommands and options are those of the taskr that printed this script.
# Pipelines, tasks, matrix instances, environments and plugins are asked of
# taskr (`taskr list --names`) each time, for the pipeline.toml found from the
# current directory or named by -C and -f on the command line.

# What completes what, keyed "sub:PATH", "opt:PATH", "val:PATH OPTION" and
# "arg:PATH" (see runner/cli/completion_command.cc): the keys, then the values.
set -g __taskr_keys
set -g __taskr_values
@TABLE@

# __taskr_table prints the lines of table entry $argv[1].
function __taskr_table
    if set -l i (contains -i -- $argv[1] $__taskr_keys)
        string split \n -- $__taskr_values[$i] | string match -v ''
    end
end

function __taskr_complete
    set -l words (commandline -opc)
    set -l cur (commandline -ct)
    set -l cmd ''
    set -l globals
    set -l opt ''
    set -l spec ''
    set -l prefix ''
    set -l npos 0
    set -l dashdash 0
    set -l i 2
    while test $i -le (count $words)
        set -l w $words[$i]
        if test $dashdash = 0; and string match -qr -- '^-.' $w
            if test $w = --
                set dashdash 1
            else if string match -qr -- '^--[^=]+=' $w
                set -l kv (string split -m1 = -- $w)
                contains -- "val: $kv[1]" $__taskr_keys; and set -a globals $kv
            else if contains -- "val:$cmd $w" $__taskr_keys
                if test $i -eq (count $words)
                    set opt $w
                    break
                end
                set i (math $i + 1)
                contains -- "val: $w" $__taskr_keys; and set -a globals $w $words[$i]
            else
                set -l short (string sub -l 2 -- $w)
                set -l known (__taskr_table "opt:$cmd" | string replace -r '\t.*' '')
                if not string match -q -- '--*' $w; and contains -- "val:$cmd $short" $__taskr_keys
                    contains -- "val: $short" $__taskr_keys
                    and set -a globals $short (string sub -s 3 -- $w)
                else if test $i -eq (count $words); and not contains -- $w $known
                    # An option this taskr does not know may take a value: offer nothing.
                    string match -q -- '--*' $w; and return
                    contains -- $short $known; or return
                end
            end
        else if test $npos = 0; and contains -- $w (__taskr_table "sub:$cmd" | string replace -r '\t.*' '')
            set cmd (string trim -- "$cmd $w")
        else
            set npos (math $npos + 1)
        end
        set i (math $i + 1)
    end

    if test -n "$opt"
        set spec (__taskr_table "val:$cmd $opt")
    else if test $dashdash = 0; and string match -qr -- '^--[^=]+=' $cur
        set -l kv (string split -m1 = -- $cur)
        contains -- "val:$cmd $kv[1]" $__taskr_keys; or return
        set prefix "$kv[1]="
        set cur $kv[2]
        set spec (__taskr_table "val:$cmd $kv[1]")
    else if test $dashdash = 0; and string match -q -- '-*' $cur
        __taskr_table "opt:$cmd"
        return
    else
        test $npos = 0; and __taskr_table "sub:$cmd"
        set -l specs (__taskr_table "arg:$cmd")
        if test $npos -lt (count $specs)
            set spec $specs[(math $npos + 1)]
        else if test (count $specs) -gt 0; and string match -qr -- '^\*' $specs[-1]
            set spec $specs[-1]
        end
        set spec (string replace -r '^\*' '' -- "$spec")
    end

    switch "$spec"
        case @files
            string join \n -- $prefix(__fish_complete_path $cur)
        case @dirs
            string join \n -- $prefix(__fish_complete_directories $cur)
        case @targets
            string join \n -- $prefix(command $words[1] $globals list --names 2>/dev/null)
        case @envs
            string join \n -- $prefix(command $words[1] $globals list --names --envs 2>/dev/null)
        case @plugins
            string join \n -- $prefix(command $words[1] $globals list --names --plugins 2>/dev/null)
        case '@*' ''
        case '*'
            string join \n -- $prefix(string split ' ' -- $spec)
    end
end

complete -c taskr -e
complete -c taskr -f -a '(__taskr_complete)'
)sh";

// Script renders `table` into the script for `shell`.
std::string Script(std::string_view shell, const CompletionTable& table) {
  std::string rows;
  for (const auto& [key, value] : table) {
    if (shell == "fish") {
      rows += fmt::format("set -a __taskr_keys {}\nset -a __taskr_values {}\n", Quote(shell, key),
                          Quote(shell, value));
    } else if (shell == "zsh") {
      rows += fmt::format("    {} {}\n", Quote(shell, key), Quote(shell, value));
    } else {
      rows += fmt::format("  [{}]={}\n", Quote(shell, key), Quote(shell, value));
    }
  }
  if (!rows.empty()) rows.pop_back();
  if (shell == "fish") return Substitute(kFishScript, rows);
  return Substitute(shell == "zsh" ? kZshScript : kBashScript, rows);
}

}  // namespace

CommandRunner AddCompletionCommand(CLI::App& app, const GlobalOptions&) {
  auto shell = std::make_shared<std::string>();
  auto* cmd =
      app.add_subcommand("completion", "Print the shell completion script for bash, zsh or fish");
  cmd->add_option("shell", *shell, "bash, zsh or fish")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh", "fish"}));
  cmd->footer(
      "The script completes subcommands, options and their choices, and asks taskr for the\n"
      "pipelines, tasks, matrix instances (image[service=api]), environments and plugins.\n"
      "`cmake --install` and the .deb put the scripts in the folders below.\n\n"
      "Examples:\n"
      "  bash, this shell:  source <(taskr completion bash)\n"
      "  bash, every shell: taskr completion bash > "
      "/usr/share/bash-completion/completions/taskr\n"
      "  zsh, this shell:   source <(taskr completion zsh)     (after compinit)\n"
      "  zsh, every shell:  taskr completion zsh > /usr/share/zsh/vendor-completions/_taskr\n"
      "                     (any folder of $fpath; then start a new zsh)\n"
      "  fish, this shell:  taskr completion fish | source\n"
      "  fish, every shell: taskr completion fish > "
      "/usr/share/fish/vendor_completions.d/taskr.fish");
  // The app is read when the command runs, once every other command is in it.
  return [&app, shell] {
    CompletionTable table;
    AddCommand(app, "", {}, &table);
    std::string script = Script(*shell, table);
    std::fwrite(script.data(), 1, script.size(), stdout);
    return kExitOk;
  };
}

}  // namespace taskr
