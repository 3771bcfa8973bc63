# lib-loopback.sh: shared steps of the tests that run generated stubs over the loopback runtime (sourced).
#
# The test sets top_srcdir, migc, work and the counters' functions ok,
# notok and diag, then for each target calls lb_target TARGET (which sets
# m, run, san, inc and d, and builds the runtime into $d/lib; it returns
# non-zero when the target is to be skipped or failed) and, after its own
# builds, lb_relay PROGRAM LABEL, which runs PROGRAM (under qemu-i386 for
# i686) and passes its TAP lines on, prefixed with LABEL.

# Sets up TARGET: flags, emulator, sanitizers, headers and the runtime.
lb_target() {
  t=$1
  case $t in
    x86_64-gnu) m=(); run=(); san=(-fsanitize=address,undefined -fno-sanitize-recover=all) ;;
    # (i686: LeakSanitizer's exit-time check hangs under qemu-i386 7.2, so
    # ASan runs there without it; x86_64 keeps it)
    i686-gnu) m=(-m32); run=(env ASAN_OPTIONS=detect_leaks=0 qemu-i386)
              san=(-fsanitize=address,undefined -fno-sanitize-recover=all) ;;
  esac
  d=$work/$t
  mkdir -p "$d"
  if [ "${#run[@]}" -gt 0 ] && ! command -v "${run[-1]}" >/dev/null; then
    ok "$t # SKIP ${run[-1]} not found (Debian package qemu-user)"
    return 1
  fi
  if ! inc=$("$top_srcdir/runtime/loopback/build.sh" --target="$t" "$d/lib" -g -O1 "${san[@]}" 2>"$d/lib.log"); then
    notok "$t: build the loopback runtime"; diag "$d/lib.log"
    return 1
  fi
}

# Compiles and links a test program for the current target: lb_link OUT SOURCES... 
lb_link() {
  local out=$1; shift
  "$CC" "${m[@]}" -std=gnu11 -g -O1 -Wall -Wextra -Werror "${san[@]}" \
    -I "$d" -I "$top_srcdir/runtime/loopback" -I "$top_srcdir/tests/include" -I "$inc" \
    "$@" "$d/lib/libloopback.a" -o "$out" >"$d/cc.log" 2>&1
}

# Runs PROGRAM and passes on its test points as LABEL's.
lb_relay() {
  local prog=$1 label=$2 rc seen=0 line plan
  # (a hard limit: a program that hangs is a failure, with its stderr)
  timeout 300 "${run[@]}" "$prog" >"$d/out" 2>"$d/err"
  rc=$?
  [ "$rc" -eq 124 ] && echo "timed out after 300 s" >>"$d/err"
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ )?ok\ [0-9]+\ -\ (.*)$ ]]; then
      seen=$((seen + 1))
      if [ -n "${BASH_REMATCH[1]}" ]; then notok "$label ${BASH_REMATCH[2]}"; else ok "$label ${BASH_REMATCH[2]}"; fi
    elif [[ $line == '#'* ]]; then
      echo "# $label ${line#'# '}"
    fi
  done < "$d/out"
  plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$d/out")
  if [ "$rc" -gt 1 ] || [ "$seen" -eq 0 ] || [ "$seen" != "$plan" ]; then
    notok "$label the program ran to its end (status $rc, plan ${plan:-none}, $seen results)"
    diag "$d/err"
  fi
}
