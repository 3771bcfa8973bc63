# lib-boot-tap.sh: for tests that run a conformance/ boot script once per
# target and print one TAP stream (sourced by tests/stress.test and
# tests/fsx.test).
#
#   boot_tap_setup            MIGC and the kit, or "Bail out!"
#   boot_tap LABEL COMMAND... runs COMMAND (a limit of an hour of the
#                             host's clock, the last resort), renumbers its
#                             test points into this script's, keeps its
#                             comments, and turns a plan "1..0 # SKIP why"
#                             into a skipped point; a command that printed
#                             no test point is a failed one
#   boot_tap_plan             the plan
top_srcdir=${top_srcdir:-$(cd "$(dirname "$0")/.." && pwd)}
top_builddir=${top_builddir:-$(pwd)}
export MIGC=${MIGC:-$top_builddir/migc/migc}
kit=${MIGC_KIT:-$top_srcdir/.cache/kit}
export MIGC_KIT=$kit
boot_tap_n=0

boot_tap_setup() {
  if [ ! -x "$MIGC" ]; then
    echo "Bail out! no compiler at $MIGC"
    exit 1
  fi
  if [ ! -f "$kit/gnumach-amd64/.version" ] || [ ! -f "$kit/gnumach-i386/.version" ] ||
     [ ! -f "$kit/gnumach-dev-amd64/.version" ] || [ ! -f "$kit/gnumach-dev-i386/.version" ]; then
    echo "# fetching the reference kit into $kit"
    "$top_srcdir/conformance/kit.sh" "$kit" >&2 || { echo "Bail out! cannot fetch the reference kit"; exit 1; }
  fi
}

boot_tap() {
  local label=$1 seen=0 line
  shift
  while IFS= read -r line; do
    if [[ $line =~ ^(not\ )?ok\ [0-9]+(\ -\ )?(.*)$ ]]; then
      seen=$((seen + 1)); boot_tap_n=$((boot_tap_n + 1))
      echo "${BASH_REMATCH[1]}ok $boot_tap_n - ${BASH_REMATCH[3]}"
    elif [[ $line =~ ^1\.\.0 ]]; then
      boot_tap_n=$((boot_tap_n + 1)); echo "ok $boot_tap_n - $label ${line#1..0 }"; seen=1
    elif [[ $line =~ ^1\.\. ]]; then
      :
    else
      echo "$line"
    fi
  done < <(timeout 3600 "$@" 2>&1)
  if [ "$seen" = 0 ]; then
    boot_tap_n=$((boot_tap_n + 1)); echo "not ok $boot_tap_n - $label: $(basename "$1") printed no test point"
  fi
}

boot_tap_plan() {
  echo "1..$boot_tap_n"
}
