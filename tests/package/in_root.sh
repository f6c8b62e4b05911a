#!/usr/bin/env bash
# Runs a command as root inside the Debian root ROOT, with /proc, /dev and
# /dev/pts mounted there. The mounts are made in a private mount namespace of
# this script's own (unshare -m), so the host never sees them and they vanish
# with the command, even when it is killed; nothing is left to unmount.
#
# usage: in_root.sh ROOT CMD...
# The command gets a clean environment (HOME, PATH, LANG, DEBIAN_FRONTEND)
# plus whatever IN_ROOT_ENV lists ("NAME=value NAME2=value2").
set -euo pipefail

[[ $# -ge 2 ]] || { echo "usage: $0 ROOT CMD..." >&2; exit 2; }
root=$(cd "$1" && pwd -P)
shift
[[ -x $root/bin/bash ]] || { echo "in_root: $root is not a Debian root" >&2; exit 2; }

if [[ ${IN_ROOT_NS:-} != "$root" ]]; then
  IN_ROOT_NS=$root exec unshare --mount --propagation private -- "$(readlink -f "$0")" "$root" "$@"
fi

mkdir -p "$root/proc" "$root/dev" "$root/tmp"
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
if [[ -d /dev/pts ]]; then mount --bind /dev/pts "$root/dev/pts"; fi
chmod 1777 "$root/tmp"
# Name resolution for apt: resolv.conf may be a symlink into /run on the host.
rm -f "$root/etc/resolv.conf"
cat /etc/resolv.conf >"$root/etc/resolv.conf"

env_args=(HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
  LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive)
# shellcheck disable=SC2206  # word splitting of IN_ROOT_ENV is wanted
[[ -z ${IN_ROOT_ENV:-} ]] || env_args+=(${IN_ROOT_ENV})
exec chroot "$root" /usr/bin/env -i "${env_args[@]}" "$@"
