# lib-head.sh: sourced by tests/head-*.test, which run another test with GNU
# MIG's upstream HEAD as the judge (GNUMIG_MIG=head).  HEAD is built by
# conformance/kit.sh from the newest ../shared/upstream/mig-*.tar.xz
# ($MIGC_UPSTREAM) into the kit, once; without that tarball the test skips.
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
kit=${MIGC_KIT:-$top_srcdir/.cache/kit}
if ! ls "${MIGC_UPSTREAM:-$top_srcdir/../shared/upstream}"/mig-*.tar.xz >/dev/null 2>&1; then
  echo "1..0 # SKIP no GNU MIG HEAD: no mig-*.tar.xz in ${MIGC_UPSTREAM:-../shared/upstream}"
  exit 0
fi
"$top_srcdir/conformance/kit.sh" "$kit" >&2 || { echo "Bail out! cannot fetch the kit or build GNU MIG HEAD"; exit 1; }
export GNUMIG_MIG=head
