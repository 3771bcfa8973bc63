#!/usr/bin/env bash
# build.sh: build the loopback runtime (libloopback.a) for one target.
#
# Usage: runtime/loopback/build.sh --target=x86_64-gnu|i686-gnu|aarch64-gnu OUTDIR [CFLAGS...]
#
#   Compiles runtime/loopback/*.c against the reference kit's GNU Mach headers
#   of the target (x86_64-gnu natively; i686-gnu with -m32; aarch64-gnu with
#   --target=aarch64-linux-gnu, a clang switch, and the headers kit.sh
#   installs from ../shared/upstream) and writes
#   OUTDIR/libloopback.a.  Extra arguments are added to the compiler's flags
#   (e.g. -fsanitize=address,undefined).  Prints the include directory of the
#   target's headers on standard output, for the caller's own compiles.
#
# Environment: CC (default gcc; clang for aarch64-gnu), AR (default ar), MIGC_KIT (default
# <repo>/.cache/kit; fetched with conformance/kit.sh when missing).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
kit=${MIGC_KIT:-$top/.cache/kit}
ar=${AR:-ar}

target=
case ${1:-} in
  --target=*) target=${1#--target=}; shift ;;
esac
[ $# -ge 1 ] || { echo "usage: $0 --target=x86_64-gnu|i686-gnu|aarch64-gnu OUTDIR [CFLAGS...]" >&2; exit 2; }
out=$1; shift

case $target in
  x86_64-gnu) inc=$kit/gnumach-dev-amd64/usr/include/x86_64-linux-gnu; m=(); cc=${CC:-gcc} ;;
  i686-gnu) inc=$kit/gnumach-dev-i386/usr/include/i386-linux-gnu; m=(-m32); cc=${CC:-gcc} ;;
  aarch64-gnu) inc=$kit/gnumach-dev-aarch64/include; m=(--target=aarch64-linux-gnu); cc=${CC:-clang} ;;
  *) echo "build.sh: unknown target '$target' (x86_64-gnu, i686-gnu or aarch64-gnu)" >&2; exit 2 ;;
esac
if [ ! -f "$inc/mach/message.h" ]; then
  "$top/conformance/kit.sh" "$kit" >&2
fi

mkdir -p "$out"
objs=()
for src in space msg vm mig; do
  "$cc" "${m[@]}" -std=gnu11 -Wall -Wextra -I "$here" -I "$inc" "$@" \
    -c "$here/$src.c" -o "$out/$src.o" >&2
  objs+=("$out/$src.o")
done
rm -f "$out/libloopback.a"
"$ar" rcs "$out/libloopback.a" "${objs[@]}" >&2
echo "$inc"
