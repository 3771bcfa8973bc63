#!/usr/bin/env bash
# kit.sh: fetch the reference kit (Debian sid's GNU Mach, its headers and .defs,
# GNU MIG for both targets, the C libraries to run GNU MIG, and libffi for
# i386, which wirecheck's 32-bit driver links statically) into a cache.
#
# Usage: conformance/kit.sh [CACHE_DIR]   (default: $MIGC_KIT or .cache/kit)
# Idempotent: a second run with a complete cache touches no network.
# Nothing is installed system-wide; the machine's apt configuration is only read.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
kit=${1:-${MIGC_KIT:-$here/.cache/kit}}
mkdir -p "$kit"
kit=$(cd "$kit" && pwd)

# package:arch -> directory name inside the kit [host: the version installed
# on this machine, from its own suite, so that the 32-bit library matches the
# C library it is linked with and the 64-bit one the project installs]
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
)

complete=1
for p in "${pkgs[@]}"; do
  set -- $p
  [ -f "$kit/$2/.version" ] || complete=0
done

if [ "$complete" = 0 ]; then
  tree=$kit/apt
  mkdir -p "$tree/sources" "$tree/state/lists/partial" "$tree/cache/archives/partial" "$tree/debs"
  : > "$tree/status"
  # The archive's address comes from the machine's own configuration.
  uris=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  [ -n "$uris" ] || uris=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uris" ] || { echo "kit.sh: cannot find the Debian archive address in /etc/apt" >&2; exit 1; }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  cat > "$tree/sources/sid.sources" <<SRC
Types: deb
URIs: $uris
Suites: sid
Components: main
Architectures: amd64 i386
Signed-By: $keyring
SRC
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || { echo "kit.sh: no VERSION_CODENAME in /etc/os-release" >&2; exit 1; }
  cat > "$tree/sources/host.sources" <<SRC
Types: deb
URIs: $uris
Suites: $codename
Components: main
Architectures: amd64 i386
Signed-By: $keyring
SRC
  opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$tree/sources"
        -o Dir::State="$tree/state" -o Dir::Cache="$tree/cache"
        -o Dir::State::status="$tree/status"
        -o APT::Architectures::=amd64 -o APT::Architectures::=i386
        -o Debug::NoLocking=1)
  echo "kit.sh: updating a private apt tree for sid in $tree" >&2
  apt-get "${opts[@]}" -q update >&2
  names=()
  for p in "${pkgs[@]}"; do
    set -- $p
    if [ "${3:-}" = host ]; then
      v=$(dpkg-query -W -f='${Version}' "${1%%:*}" 2>/dev/null) ||
        { echo "kit.sh: ${1%%:*} is not installed on this machine" >&2; exit 1; }
      names+=("$1=$v")
    else
      names+=("$1")
    fi
  done
  (cd "$tree/debs" && apt-get "${opts[@]}" -q download "${names[@]}" >&2)
  for p in "${pkgs[@]}"; do
    set -- $p
    name=${1%%:*} arch=${1##*:}
    deb=$(ls "$tree/debs/${name}_"*"_${arch}.deb" 2>/dev/null | head -n 1)
    [ -n "$deb" ] || deb=$(ls "$tree/debs/${name}_"*"_all.deb" 2>/dev/null | head -n 1)
    [ -n "$deb" ] || { echo "kit.sh: $1 was not downloaded" >&2; exit 1; }
    rm -rf "${kit:?}/$2"
    dpkg-deb -x "$deb" "$kit/$2"
    dpkg-deb -f "$deb" Version > "$kit/$2/.version"
  done
  rm -rf "$tree/state/lists" "$tree/cache"
fi

for p in "${pkgs[@]}"; do
  set -- $p
  printf '%-32s %s\n' "$1" "$(cat "$kit/$2/.version")"
done
