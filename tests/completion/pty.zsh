# Types a command line into an interactive shell on a pseudo-terminal, presses
# Tab (so the shell's completion inserts what it finds) and Enter, and prints
# the ARGS<...> lines the command printed: what the shell really passed on.
# SETUP_FILE is sourced first; it defines a `taskr` function that prints each
# argument as ARGS<arg> and then ARGS-END (the completion still asks the real
# taskr, through `command`).
#
# usage: zsh -f pty.zsh SETUP_FILE LINE SHELL [ARGS...]
zmodload zsh/zpty || exit 2
setup=$1 line=$2
shift 2
zpty term "${(j: :)${(q)@}}" || exit 2
zpty -w term "source ${(q)setup}"
zpty -w -n term "$line"$'\t'
sleep 1
zpty -w -n term $'\n'
zpty -r -m term out '*ARGS-END*' || exit 2
zpty -d term
for l in ${(f)out//$'\r'/}; do
  [[ $l == *ARGS\<*\>* ]] && print -r -- "ARGS<${${l#*ARGS<}%>*}>"
done
exit 0
