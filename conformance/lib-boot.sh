# lib-boot.sh: one boot of GNU Mach under qemu, watched until it ends, with
# limits counted in the guest's progress rather than in host seconds
# (sourced by conformance/guest, conformance/stress and conformance/fsx),
# and the steps those scripts share around it (at the end of this file).
#
#   boot_qemu LOG LIMIT QEMU-COMMAND...
#
# Starts QEMU-COMMAND in the background (standard input from /dev/null,
# its own output in LOG.qemu) with the serial console in LOG (the command
# says so, e.g. -serial file:LOG), and polls LOG until one of:
#   end       a line "@@ end" (then it waits, as long again as the boot
#             has run but at least 5 s of qemu's time, for the kernel's
#             "Shutdown completed", which host_reboot prints);
#   panic     the kernel printed "panic" (on a line that is not the
#             task's own "@@ ..." line);
#   exited    qemu exited by itself;
#   timeout   qemu has used LIMIT seconds of processor time;
#   wall      10 * LIMIT + 120 seconds of the host's clock have passed:
#             the last resort, for a machine so busy
#             that qemu hardly runs, or a qemu that no longer runs at all.
# then stops qemu.  Sets boot_status (one of the words above), boot_wall
# (host seconds, one decimal) and boot_cpu (qemu's processor seconds).
#
# Why processor time: the guest runs with -icount shift=4,sleep=off
# (added unless the command has its own -icount), so its clock advances
# by 16 ns per instruction it executes and jumps ahead whenever it is
# idle.  Everything it does, waiting included, then costs qemu processor
# time, which a busy host slows down but does not take away: a task that
# hangs, spinning or blocked, uses up LIMIT, and a task that merely runs
# slowly beside other work does not.  The guest's own timeouts are in
# that clock too, and so is the CMOS clock (-rtc clock=vm, unless the
# command has its own -rtc: it starts at the host's time and then keeps
# the guest's), so what the guest sees does not depend on the host.
#
# A caller that sets boot_icount=off runs the guest without -icount, about
# three times faster: its clock then follows the host's, so a busy host
# shows it less progress, and a limit means only qemu's processor time
# (conformance/fsx --no-icount, for soaks whose verdict reads no clock).
#
# The caller kills nothing: an EXIT trap of its own should call
# boot_cleanup, which stops a qemu still running (e.g. on SIGTERM).

boot_qpid=

boot_cleanup() {
  [ -n "$boot_qpid" ] && kill "$boot_qpid" 2>/dev/null
  boot_qpid=
}

# Processor time (user + system) of process PID so far, in clock ticks.
boot_ticks() {
  local stat rest
  read -r stat < "/proc/$1/stat" 2>/dev/null || { echo 0; return; }
  rest=${stat##*) }          # the fields after the command name
  set -- $rest               # $1 is field 3 (state); utime is field 14
  echo $(( ${12} + ${13} ))
}

boot_qemu() {
  local log=$1 limit=$2 wall hz cmd=() a icount=0 rtc=0
  shift 2
  for a in "$@"; do
    [ "$a" = -icount ] && icount=1
    [ "$a" = -rtc ] && rtc=1
  done
  cmd=("$@")
  [ $icount = 1 ] || [ "${boot_icount:-on}" = off ] || cmd+=(-icount shift=4,sleep=off)
  [ $rtc = 1 ] || cmd+=(-rtc clock=vm)
  wall=$(awk -v l="$limit" 'BEGIN { printf "%d", 10 * l + 120 }')
  hz=$(getconf CLK_TCK)
  local limit_ticks end_ticks start wall_deadline ticks=0 t ended=0 end_wait=0
  limit_ticks=$(awk -v l="$limit" -v h="$hz" 'BEGIN { printf "%d", l * h }')

  start=$(date +%s.%N)
  wall_deadline=$(( $(date +%s) + wall ))
  "${cmd[@]}" </dev/null >"$log.qemu" 2>&1 &
  boot_qpid=$!
  boot_status=timeout
  while :; do
    # A qemu that has just exited has no processor time left to read.
    t=$(boot_ticks "$boot_qpid")
    [ "$t" -gt "$ticks" ] && ticks=$t
    if [ $ended = 0 ] && grep -aq '@@ end' "$log"; then
      ended=1 boot_status=end
      end_wait=$(( ticks > 5 * hz ? ticks : 5 * hz ))
      end_ticks=$(( ticks + end_wait ))
    fi
    if [ $ended = 1 ]; then
      grep -aq 'Shutdown completed' "$log" && break
      [ "$ticks" -ge "$end_ticks" ] && break
    elif grep -av '@@' "$log" | grep -aqi 'panic'; then
      sleep 0.3; boot_status=panic; break
    fi
    if ! kill -0 "$boot_qpid" 2>/dev/null; then
      [ $ended = 1 ] || boot_status=exited
      break
    fi
    [ $ended = 0 ] && [ "$ticks" -ge "$limit_ticks" ] && break   # boot_status is timeout
    if [ "$(date +%s)" -ge "$wall_deadline" ]; then
      [ $ended = 1 ] || boot_status=wall
      break
    fi
    sleep 0.1
  done
  boot_cpu=$(awk -v t="$ticks" -v h="$hz" 'BEGIN { printf "%.1f", t / h }')
  kill "$boot_qpid" 2>/dev/null; wait "$boot_qpid" 2>/dev/null; boot_qpid=
  boot_wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
}

# boot_command TARGET DIR LOG MEM MODULE...
#
# Sets boot_cmd to the qemu command that boots DIR/gnumach for TARGET with
# MEM MB, its console in LOG, and the bootstrap MODULEs: each one string
# of words without spaces inside them, the module's path first, then its
# arguments and the boot script's words (e.g. '$(task-create)').  i686
# boots the kernel directly (-kernel, modules by -initrd); x86_64 from a
# GRUB image made in DIR/iso (qemu does not load a 64-bit multiboot
# kernel), which fails with DIR/grub.log when grub-mkrescue does.  The
# kernel's command line is boot_append's (default console=com0).
boot_command() {
  local target=$1 dir=$2 log=$3 mem=$4 m w line initrd=
  shift 4
  local qopts=(-m "$mem" -display none -monitor none -serial "file:$log" -no-reboot)
  if [ "$target" = i686-gnu ]; then
    for m in "$@"; do initrd+=${initrd:+,}${m//,/,,}; done   # ",," is a comma inside a module's line
    boot_cmd=(qemu-system-i386 "${qopts[@]}" -kernel "$dir/gnumach" -append "${boot_append:-console=com0}" -initrd "$initrd")
    return 0
  fi
  mkdir -p "$dir/iso/boot/grub"
  cp "$dir/gnumach" "$dir/iso/boot/"
  {
    echo "set timeout=0"
    echo "multiboot /boot/gnumach ${boot_append:-console=com0}"
    for m in "$@"; do
      read -ra w <<<"$m"
      cp "${w[0]}" "$dir/iso/boot/"
      line="module /boot/$(basename "${w[0]}") '$(basename "${w[0]}")'"
      for m in "${w[@]:1}"; do line+=" '$m'"; done
      echo "$line"
    done
    echo "boot"
  } > "$dir/iso/boot/grub/grub.cfg"
  grub-mkrescue -o "$dir/boot.iso" "$dir/iso" >"$dir/grub.log" 2>&1 || return 1
  boot_cmd=(qemu-system-x86_64 "${qopts[@]}" -cdrom "$dir/boot.iso")
}

# boot_grub_failed: the failed test point "grub-mkrescue", with the tail of
# its log, after boot_command failed.
boot_grub_failed() {
  local e
  mapfile -t e < <(tail -n 10 "$dir/grub.log")
  tap not-ok "grub-mkrescue" "${e[@]}"
}


# --- around the boot: what conformance/guest, stress and fsx share ----------
#
# A script sets here (the source tree), sources this file, calls boot_env,
# reads its options, then calls boot_target, boot_prereqs and boot_workdir,
# in that order.  TAP: tap and bail count test points in n and failures in
# fails, and prefix each description with "$label: " (boot_target sets
# label to the target; a script may say more).

# boot_env: kit, MIGC (the build this tree holds: configured in place, or in
# _build/), MIGC_KIT and cc, each unless the environment gives it.
boot_env() {
  kit=${MIGC_KIT:-$here/.cache/kit}
  [ -f "$here/config.status" ] && export MIGC=${MIGC:-$here/migc/migc}
  export MIGC=${MIGC:-$here/_build/migc/migc}
  export MIGC_KIT=$kit
  cc=${CC:-gcc}
}

n=0 fails=0
tap() {  # tap ok|not-ok DESCRIPTION [DIAGNOSTIC-LINES...] | tap todo DESCRIPTION WHY
  local st=$1 d=$2 l
  shift 2
  n=$((n + 1))
  case $st in
    ok) echo "ok $n - $label: $d" ;;
    todo) echo "not ok $n - $label: $d # TODO $1"; shift ;;
    *) echo "not ok $n - $label: $d"; fails=$((fails + 1)) ;;
  esac
  for l in "$@"; do printf '# %s\n' "$l"; done
}
bail() { tap not-ok "$@"; echo "1..$n"; exit 1; }

# boot_target SCRIPT TARGET: kernel_gz (the kit's GNU Mach for TARGET), inc
# (its headers), qemu and label; a TARGET no kit kernel boots is a usage
# error of SCRIPT (status 2).
boot_target() {
  target=$2 label=$2
  case $target in
    x86_64-gnu) kernel_gz=$kit/gnumach-amd64/boot/gnumach-1.8-amd64-up.gz
                inc=$kit/gnumach-dev-amd64/usr/include/x86_64-linux-gnu qemu=qemu-system-x86_64 ;;
    i686-gnu) kernel_gz=$kit/gnumach-i386/boot/gnumach-1.8-486-up.gz
              inc=$kit/gnumach-dev-i386/usr/include/i386-linux-gnu qemu=qemu-system-i386 ;;
    *) echo "$1: --target=x86_64-gnu or --target=i686-gnu" >&2; exit 2 ;;
  esac
}

# boot_prereqs [KERNEL]: skips the whole script (TAP "1..0 # SKIP", status
# 0) when qemu, or for x86_64 grub-mkrescue, is missing; fetches the kit
# when its kernel is not there; KERNEL (gzipped or not) replaces the kit's.
boot_prereqs() {
  command -v "$qemu" >/dev/null || { echo "1..0 # SKIP $qemu not found (Debian package qemu-system-x86)"; exit 0; }
  if [ "$target" = x86_64-gnu ] && ! command -v grub-mkrescue >/dev/null; then
    echo "1..0 # SKIP grub-mkrescue not found (grub-pc-bin grub-common xorriso mtools)"; exit 0
  fi
  [ -f "$kernel_gz" ] || "$here/conformance/kit.sh" >/dev/null || bail "reference kit"
  if [ -n "${1:-}" ]; then
    [ -f "$1" ] || bail "--kernel=$1: no such file"
    kernel_gz=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
  fi
}

# boot_workdir NAME [KEEP]: dir, the directory of the build and the boot:
# KEEP (made if needed, kept), or a temporary one removed at exit; err,
# its build.err, emptied.  Whatever ends the script (a timeout's SIGTERM
# too) ends qemu and a console copy with it.
boot_tmpdir= boot_tailpid=
boot_exit() {
  boot_cleanup
  boot_console_stop
  [ -n "$boot_tmpdir" ] && rm -rf "$boot_tmpdir"
}
boot_workdir() {
  trap boot_exit EXIT
  trap 'exit 1' TERM INT HUP
  if [ -n "${2:-}" ]; then
    mkdir -p "$2"; dir=$(cd "$2" && pwd)
  else
    dir=$(mktemp -d "${TMPDIR:-/tmp}/migc-$1.XXXXXX")
    boot_tmpdir=$dir
  fi
  err=$dir/build.err
  : > "$err"
}

# boot_fail_build WHAT: a failed test point WHAT with the tail of $err; exits.
boot_fail_build() {
  local e
  mapfile -t e < <(tail -n 20 "$err")
  bail "$1" "${e[@]}"
}

# boot_runtime: builds runtime/guest for the target in $dir/rt and sets
# cflags and ldflags, the compiler's and the linker's flags for a task.
boot_runtime() {
  local flags f fl seen=0
  flags=$("$here/runtime/guest/build.sh" --target="$target" "$dir/rt" 2>>"$err") || boot_fail_build "build runtime/guest"
  mapfile -t fl <<<"$flags"
  cflags=() ldflags=()
  for f in "${fl[@]}"; do
    if [ "$f" = -- ]; then seen=1; elif [ $seen = 0 ]; then cflags+=("$f"); else ldflags+=("$f"); fi
  done
}

# boot_mig ARGS...: migc for the target, in $dir/gen (made by the first call).
boot_mig() {
  gen=$dir/gen
  mkdir -p "$gen"
  (cd "$gen" && "$MIGC" --target="$target" "$@") >>"$err" 2>&1 || boot_fail_build "migc $*"
}

# boot_task NAME SOURCES...: compiles (-Wall -Wextra -Werror, with the
# include directories of the array task_includes) and links the bootstrap
# module $dir/NAME.
boot_task() {
  local name=$1 s o objs=()
  shift
  for s in "$@"; do
    o=$dir/$name-$(basename "${s%.c}").o
    "$cc" -I "$gen" "${cflags[@]}" -Wall -Wextra -Werror ${task_includes[@]+"${task_includes[@]}"} -c "$s" -o "$o" \
      >>"$err" 2>&1 || boot_fail_build "build $(basename "$s")"
    objs+=("$o")
  done
  "$cc" "${objs[@]}" "${ldflags[@]}" -o "$dir/$name" >>"$err" 2>&1 || boot_fail_build "link $name"
}

# boot_console_follow LOG: copies LOG to standard error as it grows (--console),
# until boot_console_stop.
boot_console_follow() { tail -n +1 -f "$1" >&2 & boot_tailpid=$!; }
boot_console_stop() {
  [ -n "$boot_tailpid" ] && { kill "$boot_tailpid" 2>/dev/null; wait "$boot_tailpid" 2>/dev/null; }
  boot_tailpid=
}

# boot_console_lines LOG: the task's lines of LOG, each from its "@@ " on:
# the console ends lines with CR LF and may start one with CR or with the
# kernel's "start TASK: ".
boot_console_lines() {
  local line
  while IFS= read -r line; do
    line=${line//$'\r'/}
    [[ $line == *'@@ '* ]] && printf '@@ %s\n' "${line#*@@ }"
  done < "$1"
}

# boot_check_line LINE: "@@ ok D" and "@@ not ok D # WHY" as test points;
# status 1 for any other line.
boot_check_line() {
  local d
  case $1 in
    '@@ ok '*) tap ok "${1#@@ ok }" ;;
    '@@ not ok '*)
      d=${1#@@ not ok }
      if [[ $d == *' # TODO '* ]]; then tap todo "${d%% # TODO *}" "${d#* # TODO }"
      elif [[ $d == *' # '* ]]; then tap not-ok "${d%% # *}" "${d#* # }"; else tap not-ok "$d"; fi ;;
    *) return 1 ;;
  esac
}

# boot_end_point WHO LOG: the test point "WHO ran to its end marker", from
# boot_qemu's boot_status; when it failed, with how and the console's tail.
boot_end_point() {
  local tl
  if [ "$boot_status" = end ]; then
    tap ok "$1 ran to its end marker"
    return 0
  fi
  mapfile -t tl < <(tail -n 25 "$2" | tr -d '\r' | tr -c '[:print:]\n' '?')
  tap not-ok "$1 ran to its end marker # $boot_status after ${boot_cpu}s of qemu's processor time, ${boot_wall}s of the host's clock" \
    "console tail:" "${tl[@]}"
  return 1
}
