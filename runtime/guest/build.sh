#!/usr/bin/env bash
# build.sh: build the guest runtime for one target: migc's user stubs of the
# kernel's interfaces, their headers, and libguest.a, ready to link a task.
#
# Usage: runtime/guest/build.sh --target=T OUTDIR
#
#   T is x86_64-gnu or i686-gnu.  Writes OUTDIR/include/ (the generated
#   headers: mach.h mach_port.h mach_host.h gnumach.h mach4.h device.h
#   mach_i386.h mach_debug.h; memory_objectServer.h and excServer.h for the server
#   side), OUTDIR/stubs/ (the generated stubs), and
#   OUTDIR/libguest.a.  Prints, on stdout, the compiler switches a task's
#   sources need (one per line), then, after a line "--", the link switches.
#
#   The stubs come from the reference kit's GNU Mach .defs, except
#   mach_port, which comes from this project's defs/mach/mach_port.defs
#   (typed enums: MACH_PORT_KTYPE_* in the generated mach_port.h).
#
# Environment: MIGC (default: <repo>/_build/migc/migc, or <repo>/migc/migc in a tree configured in place), MIGC_KIT, CC (gcc).
set -euo pipefail

here=$(cd "$(dirname "$0")/../.." && pwd)
kit=${MIGC_KIT:-$here/.cache/kit}
# The build this tree holds: configured in place (./configure && make), or in _build/.
[ -f "$here/config.status" ] && migc=${MIGC:-$here/migc/migc}
migc=${migc:-${MIGC:-$here/_build/migc/migc}}
cc=${CC:-gcc}

target=
case ${1:-} in
  --target=*) target=${1#--target=}; shift ;;
esac
[ $# -eq 1 ] && [ -n "$target" ] || { echo "usage: $0 --target=T OUTDIR" >&2; exit 2; }
out=$1
case $target in
  x86_64-gnu) inc=$kit/gnumach-dev-amd64/usr/include/x86_64-linux-gnu; m=() ;;
  i686-gnu) inc=$kit/gnumach-dev-i386/usr/include/i386-linux-gnu; m=(-m32) ;;
  *) echo "build.sh: unknown target '$target'" >&2; exit 2 ;;
esac
[ -d "$inc" ] || "$here/conformance/kit.sh" >/dev/null
[ -x "$migc" ] || { echo "build.sh: no migc at $migc (build it first, or set MIGC)" >&2; exit 1; }

mkdir -p "$out/include" "$out/stubs" "$out/obj"
out=$(cd "$out" && pwd)

# subsystem header name, .defs path, extra migc switches
ifaces=(
  "mach $inc/mach/mach.defs"
  "mach_port $here/defs/mach/mach_port.defs -I $here/defs"
  "mach_host $inc/mach/mach_host.defs"
  "gnumach $inc/mach/gnumach.defs"
  "mach4 $inc/mach/mach4.defs"
  "device $inc/device/device.defs"
  "mach_i386 $inc/mach/machine/mach_i386.defs"
  "mach_debug $inc/mach_debug/mach_debug.defs"
)
for i in "${ifaces[@]}"; do
  set -- $i
  name=$1 defs=$2; shift 2
  "$migc" --target="$target" "$@" -I "$inc" -user "$out/stubs/${name}User.c" \
    -server /dev/null -header "$out/include/$name.h" "$defs"
done

# Server stubs of the interfaces the kernel calls into a task: a task can
# be an external pager (memory_object) or catch exceptions (exc).  Their
# implementations are weak defaults a task overrides.
servers=(
  "memory_object $inc/mach/memory_object.defs"
  "exc $inc/mach/exc.defs"
)
for i in "${servers[@]}"; do
  set -- $i
  "$migc" --target="$target" -I "$inc" -user /dev/null -header /dev/null \
    -server "$out/stubs/${1}Server.c" -sheader "$out/include/${1}Server.h" "$2"
done

gccinc=$("$cc" "${m[@]}" -print-file-name=include)
cflags=("${m[@]}" -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector -fno-pic
        -fno-builtin -fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables
        -nostdinc -isystem "$gccinc" -I "$here/runtime/guest/include" -I "$here/tests/include" -I "$out/include" -I "$inc")
warn=(-Wall -Wextra -Werror)
ldflags=("${m[@]}" -static -nostdlib -nostartfiles -no-pie -Wl,--build-id=none
         -Wl,-z,noexecstack "$out/libguest.a" "$("$cc" "${m[@]}" -print-libgcc-file-name)")

objs=()
for s in "$out"/stubs/*User.c "$out"/stubs/*Server.c; do
  o=$out/obj/$(basename "${s%.c}").o
  "$cc" "${cflags[@]}" "${warn[@]}" -c "$s" -o "$o"
  objs+=("$o")
done
for s in start trap mig string console vm thread server; do
  o=$out/obj/$s.o
  "$cc" "${cflags[@]}" "${warn[@]}" -c "$here/runtime/guest/$s.c" -o "$o"
  objs+=("$o")
done
rm -f "$out/libguest.a"
ar rcs "$out/libguest.a" "${objs[@]}"

printf '%s\n' "${cflags[@]}" -- "${ldflags[@]}"
