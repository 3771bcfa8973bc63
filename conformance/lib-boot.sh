# lib-boot.sh: one boot of GNU Mach under qemu, watched until it ends, with
# limits counted in the guest's progress rather than in host seconds
# (sourced by conformance/guest, conformance/stress and conformance/fsx).
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
  local limit_ticks end_ticks start wall_deadline ticks=0 ended=0 end_wait=0
  limit_ticks=$(awk -v l="$limit" -v h="$hz" 'BEGIN { printf "%d", l * h }')

  start=$(date +%s.%N)
  wall_deadline=$(( $(date +%s) + wall ))
  "${cmd[@]}" </dev/null >"$log.qemu" 2>&1 &
  boot_qpid=$!
  boot_status=timeout
  while :; do
    ticks=$(boot_ticks "$boot_qpid")
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
# kernel), which fails with DIR/grub.log when grub-mkrescue does.
boot_command() {
  local target=$1 dir=$2 log=$3 mem=$4 m w line initrd=
  shift 4
  local qopts=(-m "$mem" -display none -monitor none -serial "file:$log" -no-reboot)
  if [ "$target" = i686-gnu ]; then
    for m in "$@"; do initrd+=${initrd:+,}$m; done
    boot_cmd=(qemu-system-i386 "${qopts[@]}" -kernel "$dir/gnumach" -append console=com0 -initrd "$initrd")
    return 0
  fi
  mkdir -p "$dir/iso/boot/grub"
  cp "$dir/gnumach" "$dir/iso/boot/"
  {
    echo "set timeout=0"
    echo "multiboot /boot/gnumach console=com0"
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

