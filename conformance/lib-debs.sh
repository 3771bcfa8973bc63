# lib-debs.sh: Debian binary packages unpacked into a cache directory,
# fetched through a private apt tree (sourced by conformance/kit.sh and
# conformance/hurd-toolchain).  Nothing is installed system-wide; the
# machine's apt configuration is only read.
#
#   debs_fetch DIR ENTRY...
#
# ENTRY is "PACKAGE:ARCH NAME [host]": the package is unpacked
# (dpkg-deb -x) into DIR/NAME, its version written to DIR/NAME/.version.
# ARCH "all" names an architecture-independent package.  Entries whose
# DIR/NAME/.version exists are left as they are (a cache shared by several
# trees may be in use); the others are fetched from Debian sid, or, with
# "host", at the version installed on this machine from the machine's own
# suite (so that a library matches the one it is linked with).

debs_fetch() {
  local dir=$1 p arch v missing=() names=() sid_archs= host_archs= suite deb name
  shift
  for p in "$@"; do
    set -- $p
    [ -f "$dir/$2/.version" ] || missing+=("$p")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  local uris keyring codename tree opts
  # The archive's address comes from the machine's own configuration.
  uris=$(sed -n 's/^URIs:[[:space:]]*//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | grep -v security | head -n 1)
  [ -n "$uris" ] || uris=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list 2>/dev/null)
  [ -n "$uris" ] || { echo "debs_fetch: cannot find the Debian archive address in /etc/apt" >&2; return 1; }
  keyring=/usr/share/keyrings/debian-archive-keyring.gpg
  codename=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
  [ -n "$codename" ] || { echo "debs_fetch: no VERSION_CODENAME in /etc/os-release" >&2; return 1; }
  # One source per suite the missing packages come from, with their
  # architectures only (arch-all packages come with any of them).
  for p in "${missing[@]}"; do
    set -- $p
    arch=${1##*:}
    if [ "${3:-}" = host ]; then
      v=$(dpkg-query -W -f='${Version}' "${1%%:*}" 2>/dev/null) ||
        { echo "debs_fetch: ${1%%:*} is not installed on this machine" >&2; return 1; }
      names+=("$1=$v")
      [ "$arch" = all ] && arch=amd64
      case " $host_archs " in *" $arch "*) ;; *) host_archs="$host_archs $arch" ;; esac
    else
      if [ "$arch" = all ]; then names+=("${1%%:*}"); arch=amd64; else names+=("$1"); fi
      case " $sid_archs " in *" $arch "*) ;; *) sid_archs="$sid_archs $arch" ;; esac
    fi
  done
  mkdir -p "$dir"
  # A private apt tree for this call, removed after it.
  tree=$(mktemp -d "$dir/apt-fetch.XXXXXX")
  chmod 755 "$tree"  # (readable by apt's sandbox user)
  mkdir -p "$tree/sources" "$tree/state/lists/partial" "$tree/cache/archives/partial" "$tree/debs"
  : > "$tree/status"
  opts=(-o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$tree/sources"
        -o Dir::State="$tree/state" -o Dir::Cache="$tree/cache"
        -o Dir::State::status="$tree/status" -o Debug::NoLocking=1)
  for arch in $(printf '%s\n' $sid_archs $host_archs | sort -u); do
    opts+=(-o "APT::Architectures::=$arch")
  done
  for suite in sid:"$sid_archs" "$codename":"$host_archs"; do
    [ -n "${suite#*:}" ] || continue
    cat > "$tree/sources/${suite%%:*}.sources" <<SRC
Types: deb
URIs: $uris
Suites: ${suite%%:*}
Components: main
Architectures:${suite#*:}
Signed-By: $keyring
SRC
  done
  echo "debs_fetch: fetching ${missing[*]%% *} through a private apt tree in $tree" >&2
  if ! { apt-get "${opts[@]}" -q update >&2 &&
         (cd "$tree/debs" && apt-get "${opts[@]}" -q download "${names[@]}" >&2); }; then
    rm -rf "${tree:?}"
    echo "debs_fetch: apt-get could not fetch ${missing[*]%% *}" >&2
    return 1
  fi
  for p in "${missing[@]}"; do
    set -- $p
    name=${1%%:*} arch=${1##*:}
    deb=$(ls "$tree/debs/${name}_"*"_${arch}.deb" 2>/dev/null | head -n 1)
    [ -n "$deb" ] || deb=$(ls "$tree/debs/${name}_"*"_all.deb" 2>/dev/null | head -n 1)
    [ -n "$deb" ] || { echo "debs_fetch: $1 was not downloaded" >&2; rm -rf "${tree:?}"; return 1; }
    rm -rf "${dir:?}/$2"
    dpkg-deb -x "$deb" "$dir/$2"
    dpkg-deb -f "$deb" Version > "$dir/$2/.version"
  done
  rm -rf "${tree:?}"
}
