#!/usr/bin/env bash
# kit.sh: fetch the reference kit (Debian sid's GNU Mach, its headers and .defs,
# GNU MIG for both targets, the C libraries to run GNU MIG, and libffi for
# i386 and arm64, which wirecheck's 32-bit and aarch64 drivers link
# statically), and glibc's source (tests/glibc-text.test runs its
# mach/shortcut.awk) into a cache; build GNU MIG's upstream HEAD for every target,
# and GNU Mach's aarch64 headers, from ../shared/upstream when its tarballs
# are there.
#
# Usage: conformance/kit.sh [CACHE_DIR]   (default: $MIGC_KIT or .cache/kit)
# Idempotent: a second run with a complete cache touches no network; a cache
# lacking some entries gets those, and the others stay as they are (a kit
# shared by several trees may be in use).
# Nothing is installed system-wide; the machine's apt configuration is only read.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
kit=${1:-${MIGC_KIT:-$here/.cache/kit}}
mkdir -p "$kit"
# The physical path: the wrappers below name it, and a kit reached through a
# symbolic link (a worktree sharing another's .cache) must not rewrite them.
kit=$(cd "$kit" && pwd -P)
# Tests run in parallel may each ask for the kit: one fetches or builds, the
# others wait.
exec 9>"$kit/.mig-head.lock"
flock 9

# package:arch -> directory name inside the kit [host: the version installed
# on this machine (of the package for the machine's own architecture), from
# its own suite, so that the 32-bit and arm64 libraries match the C libraries
# they are linked with (the multilib and arm64 cross ones) and the 64-bit one
# the project installs]
pkgs=(
  "gnumach-image-1.8-amd64-up:amd64 gnumach-amd64"
  "gnumach-image-1.8-486-up:i386 gnumach-i386"
  "gnumach-dev:amd64 gnumach-dev-amd64"
  "gnumach-dev:i386 gnumach-dev-i386"
  "mig-x86-64-gnu:amd64 mig-amd64"
  "mig-i686-gnu:i386 mig-i386"
  "libc6:amd64 libc-amd64"
  "libc6:i386 libc-i386"
  "gnumach-common:amd64 gnumach-common"
  "libffi-dev:i386 libffi-dev-i386 host"
  "libffi-dev:arm64 libffi-dev-arm64 host"
  "glibc-source:all glibc-source"
)

. "$here/conformance/lib-debs.sh"
debs_fetch "$kit" "${pkgs[@]}"

# GNU MIG's upstream HEAD, built from the newest ../shared/upstream/mig-*.tar.xz
# (a `git archive` tarball; MIGC_UPSTREAM names another directory) for each
# target, into mig-head-amd64, mig-head-i386 and mig-head-aarch64:
# bin/TARGET-mig (its own driver) and libexec/TARGET-migcom, both native
# programs.  No Hurd cross compiler is needed: GNU MIG's configure compiles
# the target's type sizes with a TARGET-gcc, and a wrapper running a compiler
# for that CPU (the host's gcc with -m32 or -m64; clang --target=aarch64-linux-gnu)
# and the target's GNU Mach headers serves (the installed driver uses it as
# its preprocessor).  Built once; .version holds the tarball's name.
upstream=${MIGC_UPSTREAM:-$here/../shared/upstream}
head_tar=$(ls "$upstream"/mig-*.tar.xz 2>/dev/null | tail -n 1 || true)
mach_tar=$(ls "$upstream"/gnumach-*.tar.xz 2>/dev/null | tail -n 1 || true)
aarch64_cc="clang --target=aarch64-linux-gnu"
# put_file FILE MODE: standard input into FILE, replaced (atomically) only when
# it differs, so that a test running FILE meanwhile never sees it half written.
put_file() {
  local f=$1 mode=$2 new
  new=$(mktemp "$f.XXXXXX")
  cat > "$new"
  chmod "$mode" "$new"
  if cmp -s "$new" "$f"; then rm -f "$new"; else mv -f "$new" "$f"; fi
}
build_head() { # build_head TARGET DIR INCLUDE_DIR CC [HEADERS]
  # CC: a C compiler for the target's CPU; HEADERS: the name of what
  # INCLUDE_DIR was built from, when the kit built it (then part of .version,
  # so that new headers rebuild GNU MIG too).
  local target=$1 dir=$2 inc=$3 cc=$4 name src b
  name=$(basename "$head_tar" .tar.xz)${5:+ with $5}
  # The wrapper stays in the kit: the installed driver runs it as its cpp.
  # Kept in step with the kit on every run.  The headers' directory
  # comes last, as a plain -I: as a system directory (-isystem,
  # -idirafter) gcc would drop a caller's -I naming the same directory, and
  # -MD output would spell its path the kit's way, not the caller's.
  mkdir -p "$kit/$dir/bin"
  printf '#!/bin/sh\nexec %s "$@" -I "%s"\n' "$cc" "$inc" | put_file "$kit/$dir/bin/$target-gcc" 755
  [ "$(cat "$kit/$dir/.version" 2>/dev/null)" = "$name" ] && return 0
  for tool in autoreconf make flex bison; do
    command -v $tool >/dev/null || { echo "kit.sh: $tool is needed to build GNU MIG HEAD" >&2; return 1; }
  done
  echo "kit.sh: building GNU MIG $name for $target into $kit/$dir" >&2
  b=$kit/build-$dir
  rm -rf "${b:?}" "${kit:?}/$dir/libexec" "${kit:?}/$dir/bin/$target-mig" "$kit/$dir/.version"
  mkdir -p "$b"
  tar -C "$b" -xJf "$head_tar"
  src=$(echo "$b"/mig-*/)
  (cd "$src" && autoreconf -fi) > "$b/log" 2>&1 &&
  (cd "$src" && export PATH=$kit/$dir/bin:$PATH && ./configure --target="$target" --prefix="$kit/$dir" \
     CC=gcc TARGET_CPPFLAGS="-I$inc" && make -j2 && make install) >> "$b/log" 2>&1 ||
    { echo "kit.sh: building GNU MIG HEAD for $target failed, see $b/log" >&2; return 1; }
  echo "$name" > "$kit/$dir/.version"
  rm -rf "${b:?}"
}
# GNU Mach's headers and .defs for aarch64-gnu, which no Debian package has,
# installed from the newest ../shared/upstream/gnumach-*.tar.xz into
# gnumach-dev-aarch64/include, with the mach/machine link Debian's packages
# have.  configure wants a C compiler for the host: clang for aarch64 with the
# arm64 cross C library (quickstart installs it).  The info manual is left
# out (INFO_DEPS=): it needs makeinfo.  Built once; .version holds the
# tarball's name.
build_mach_headers() { # build_mach_headers HOST DIR MACHINE CC
  local host=$1 dir=$2 machine=$3 cc=$4 name src b
  name=$(basename "$mach_tar" .tar.xz)
  [ "$(cat "$kit/$dir/.version" 2>/dev/null)" = "$name" ] && return 0
  echo "kit.sh: installing GNU Mach $name headers for $host into $kit/$dir" >&2
  b=$kit/build-$dir
  rm -rf "${b:?}" "${kit:?}/$dir"
  mkdir -p "$b"
  tar -C "$b" -xJf "$mach_tar"
  src=$(echo "$b"/gnumach-*/)
  (cd "$src" && autoreconf -fi) > "$b/log" 2>&1 &&
  (mkdir -p "$src/build" && cd "$src/build" &&
     ../configure --host="$host" CC="$cc" MIG=false --prefix="$kit/$dir" &&
     make install-data-am INFO_DEPS=) >> "$b/log" 2>&1 ||
    { echo "kit.sh: installing GNU Mach's headers for $host failed, see $b/log" >&2; return 1; }
  [ -e "$kit/$dir/include/mach/machine" ] || ln -s "$machine" "$kit/$dir/include/mach/machine"
  [ -f "$kit/$dir/include/mach/$machine/machine_types.defs" ] ||
    { echo "kit.sh: no mach/$machine/machine_types.defs in $kit/$dir" >&2; return 1; }
  echo "$name" > "$kit/$dir/.version"
  rm -rf "${b:?}"
}
# Can $aarch64_cc build and link a program?  (Not a test: a missing cross C
# library leaves the aarch64 reference out, with a note, and no more.)
aarch64_cc_works() {
  local t rc
  t=$(mktemp -d "${TMPDIR:-/tmp}/kit-aarch64.XXXXXX")
  printf 'int main(void) { return 0; }\n' > "$t/t.c"
  $aarch64_cc -o "$t/t" "$t/t.c" 2>/dev/null && rc=0 || rc=1
  rm -rf "${t:?}"
  return $rc
}
if [ -n "$head_tar" ]; then
  build_head x86_64-gnu mig-head-amd64 "$kit/gnumach-dev-amd64/usr/include/x86_64-linux-gnu" \
    "gcc -m64 -fno-canonical-system-headers"
  build_head i686-gnu mig-head-i386 "$kit/gnumach-dev-i386/usr/include/i386-linux-gnu" \
    "gcc -m32 -fno-canonical-system-headers"
  pkgs+=("GNU-MIG-HEAD:x86_64-gnu mig-head-amd64" "GNU-MIG-HEAD:i686-gnu mig-head-i386")
  if [ -z "$mach_tar" ]; then
    echo "kit.sh: no $upstream/gnumach-*.tar.xz: no aarch64-gnu reference" >&2
  elif ! { [ "$(cat "$kit/gnumach-dev-aarch64/.version" 2>/dev/null)" = "$(basename "$mach_tar" .tar.xz)" ] &&
            [ "$(cat "$kit/mig-head-aarch64/.version" 2>/dev/null)" = \
              "$(basename "$head_tar" .tar.xz) with $(basename "$mach_tar" .tar.xz)" ]; } &&
       ! aarch64_cc_works; then
    echo "kit.sh: $aarch64_cc cannot link a program (libc6-dev-arm64-cross," \
         "libgcc-12-dev-arm64-cross, binutils-aarch64-linux-gnu): no aarch64-gnu reference" >&2
  else
    build_mach_headers aarch64-gnu gnumach-dev-aarch64 aarch64 "$aarch64_cc"
    # GNU MIG's build reads the target's constants out of the assembler text
    # of a file whose inline asm is no valid instruction: clang's integrated
    # assembler would refuse it even under -S, the GNU assembler is not asked.
    build_head aarch64-gnu mig-head-aarch64 "$kit/gnumach-dev-aarch64/include" "$aarch64_cc -fno-integrated-as" \
      "$(cat "$kit/gnumach-dev-aarch64/.version")"
    pkgs+=("GNU-Mach-headers:aarch64-gnu gnumach-dev-aarch64" "GNU-MIG-HEAD:aarch64-gnu mig-head-aarch64")
  fi
fi
flock -u 9

for p in "${pkgs[@]}"; do
  set -- $p
  printf '%-32s %s\n' "$1" "$(cat "$kit/$2/.version")"
done
