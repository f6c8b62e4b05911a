# Prints the candidates zsh's completion system offers for a command line, one
# a line: an interactive zsh on a pseudo-terminal runs compinit with the
# _taskr of FPATH_DIR first in $fpath (or, with "source", after
# `source <(taskr completion zsh)`), LINE and Tab are typed, and each word
# that compadd adds as a match is printed, unquoted.
#
# usage: zsh -f zsh_complete.zsh FPATH_DIR|source LINE
zmodload zsh/zpty || exit 2
setup=$(mktemp) || exit 2
trap 'rm -f $setup' EXIT
if [[ $1 == source ]]; then
  print -r -- 'autoload -U compinit && compinit -u -D && source <(taskr completion zsh)' >$setup
else
  print -r -- "fpath=(${(q)1} \$fpath); autoload -U compinit && compinit -u -D" >$setup
fi
cat >>$setup <<'SETUP'
PS1='' RPS1=''
zstyle ':completion:*' list-grouped false
zstyle ':completion:*' insert-tab false
comppostfuncs=(exit)
compadd() {
  # Calls that only ask (-O, -A, -D) are the completion system's own business.
  if (( ${@[(I)-[OAD]]} )); then
    builtin compadd "$@"
    return
  fi
  local -a __matches
  builtin compadd -O __matches "$@"
  (( $#__matches )) || return 1
  print -rl -- "${(@)__matches/#/<<match>>$IPREFIX}"
  builtin compadd "$@"
}
SETUP
zpty shell zsh -f -i || exit 2
zpty -w shell "source ${(q)setup}"
zpty -w -n shell "$2"$'\t'
out=
while zpty -r shell line; do out+=$line; done
for l in ${(f)out//$'\r'/}; do
  [[ $l == *'<<match>>'* ]] && print -r -- "${l#*<<match>>}"
done
return 0
