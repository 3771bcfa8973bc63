#!/usr/bin/env bash
# run.sh: build and run the libFuzzer target for migc's front end.
#
#   fuzz/run.sh build DIR        build DIR/fuzz_frontend (exit 77: no usable clang)
#   fuzz/run.sh seeds DIR        fill DIR with the seed corpus: fuzz/corpus/*.defs
#                                and a few GNU Mach .defs preprocessed from the kit
#   fuzz/run.sh fuzz DIR         seed DIR/seeds, then run the built DIR/fuzz_frontend
#                                for FUZZ_SECONDS (default 3600) on DIR/corpus (kept
#                                between runs); crashers go to DIR/artifacts/, the
#                                log to DIR/fuzz.log; exit 1 when it found something
#   fuzz/run.sh run DIR          build, then fuzz
#   fuzz/run.sh regress DIR F... run the built DIR/fuzz_frontend once on each file F
#
# `make fuzz' is `run.sh run $(top_builddir)/fuzz-out'; tests/fuzz.test uses
# the same steps with a temporary DIR and FUZZ_SECONDS=60.
#
# Environment: FUZZ_SECONDS, FUZZ_CC (default clang), FUZZ_JOBS (parallel
# fuzzing jobs for `fuzz' and `run', default 1), MIGC_KIT (the reference kit, default
# $top_srcdir/.cache/kit), FLEX, BISON.
set -u
# The compiler's own leaks are the harness's business; see fuzz_frontend.c.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
cc=${FUZZ_CC:-clang}
flex=${FLEX:-flex}
bison=${BISON:-bison}
kit=${MIGC_KIT:-$top_srcdir/.cache/kit}
seconds=${FUZZ_SECONDS:-3600}

# The compiler minus its command line: migc/*.c but main.c and driver.c.
sources=()
for f in "$top_srcdir"/migc/*.c; do
  case ${f##*/} in main.c|driver.c|lex.c|parse.c) ;; *) sources+=("${f##*/}") ;; esac
done
# GNU Mach .defs used as seeds (relative to the kit's include directory).
kit_seeds=(mach/mach_port.defs mach/mach.defs device/device.defs mach/exc.defs
           mach/memory_object.defs)
# No configure here: the version it would pass (migc.h) matters not to
# the fuzzer, which writes no header anyone reads.
cflags=(-g -O1 -std=gnu11 -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -DPACKAGE_VERSION='"fuzz"' -DMIGC_VERSION_NUMBER=0)

die() { echo "fuzz/run.sh: $*" >&2; exit 1; }

# Builds DIR/fuzz_frontend; 77 when clang cannot build libFuzzer targets.
build() {
  local dir=$1 src=$top_srcdir/migc
  mkdir -p "$dir/gen" || die "cannot create $dir"
  command -v "$cc" >/dev/null 2>&1 || { echo "fuzz/run.sh: $cc not found" >&2; return 77; }
  printf 'int LLVMFuzzerTestOneInput(const char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' \
    > "$dir/gen/probe.c"
  "$cc" -fsanitize=fuzzer,address,undefined -o "$dir/gen/probe" "$dir/gen/probe.c" \
    >"$dir/gen/probe.log" 2>&1 \
    || { echo "fuzz/run.sh: $cc cannot build libFuzzer targets:" >&2; cat "$dir/gen/probe.log" >&2; return 77; }
  # As Makefile.am: bison -d makes parse.h, flex writes to the name given.
  (cd "$dir/gen" && "$bison" -y -Wno-yacc -d -o parse.c "$src/parse.y" \
                  && "$flex" --outfile=lex.c "$src/lex.l") || die "flex/bison failed"
  local objs=() f
  for f in "${sources[@]}" gen/parse.c gen/lex.c; do
    local in=$src/$f o=$dir/gen/$(basename "${f%.c}").o
    case $f in gen/*) in=$dir/$f ;; esac
    # util.c's blocks are chained by the harness to be freed after each input.
    local extra=()
    [ "$f" = util.c ] && extra=(-Dcalloc=fuzz_calloc -Drealloc=fuzz_realloc)
    "$cc" "${cflags[@]}" "${extra[@]}" -c -I "$dir/gen" -I "$src" -o "$o" "$in" \
      || die "cannot compile $f"
    objs+=("$o")
  done
  "$cc" "${cflags[@]}" -I "$dir/gen" -I "$src" -o "$dir/fuzz_frontend" \
    "$top_srcdir/fuzz/fuzz_frontend.c" "${objs[@]}" || die "cannot link the fuzzer"
}

# Fills DIR with the seeds.
seeds() {
  local dir=$1 inc=$kit/gnumach-dev-amd64/usr/include/x86_64-linux-gnu f
  mkdir -p "$dir" || die "cannot create $dir"
  cp "$top_srcdir"/fuzz/corpus/*.defs "$dir/" || die "no seed corpus in fuzz/corpus"
  if [ ! -d "$inc" ] && [ -x "$top_srcdir/conformance/kit.sh" ]; then
    "$top_srcdir/conformance/kit.sh" "$kit" >&2 || echo "fuzz/run.sh: cannot fetch the kit; seeds without it" >&2
  fi
  [ -d "$inc" ] || return 0
  for f in "${kit_seeds[@]}"; do
    [ -f "$inc/$f" ] || continue
    gcc -E -x c -nostdinc -I "$inc" "$inc/$f" > "$dir/kit-$(echo "$f" | tr / -)" 2>/dev/null \
      || rm -f "$dir/kit-$(echo "$f" | tr / -)"
  done
  return 0
}

run() {
  local rc
  build "$1"; rc=$?
  [ $rc -eq 0 ] || return $rc
  fuzz "$1"
}

fuzz() {
  local dir=$1 rc
  [ -x "$dir/fuzz_frontend" ] || die "no fuzzer in $dir (run: $0 build $dir)"
  seeds "$dir/seeds"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  local jobs=${FUZZ_JOBS:-1} par=()
  [ "$jobs" -gt 1 ] && par=(-fork="$jobs")
  echo "fuzz/run.sh: fuzzing for ${seconds}s; log in $dir/fuzz.log" >&2
  "$dir/fuzz_frontend" -max_total_time="$seconds" -detect_leaks=0 -timeout=10 \
    -print_final_stats=1 "${par[@]}" \
    -artifact_prefix="$dir/artifacts/" "$dir/corpus" "$dir/seeds" > "$dir/fuzz.log" 2>&1
  rc=$?
  grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|Done )' "$dir/fuzz.log" >&2
  if [ $rc -ne 0 ]; then
    echo "fuzz/run.sh: the fuzzer failed (exit $rc); see $dir/fuzz.log and $dir/artifacts/" >&2
    return 1
  fi
}

regress() {
  local dir=$1 f bad=0
  shift
  for f in "$@"; do
    "$dir/fuzz_frontend" -detect_leaks=0 -timeout=10 "$f" >/dev/null 2>&1 || { echo "FAIL $f"; bad=1; }
  done
  return $bad
}

[ $# -ge 2 ] || die "usage: $0 build|seeds|fuzz|run|regress DIR [FILE...]"
cmd=$1
shift
case $cmd in
  build|seeds|fuzz|run|regress) "$cmd" "$@" ;;
  *) die "unknown command $cmd" ;;
esac
