# wirecmp.awk: compare the traces of two stub pairings of lbtest, byte for byte.
#
# Usage: awk -v mask=RANGES -v idoff=N -f wirecmp.awk REF_A REF_B GOT_A GOT_B
#   REF_A/REF_B: traces of the reference pairing run with two stack fill
#   bytes (LBTEST_SCRUB), GOT_A/GOT_B the same for the pairing under test.
#   A byte that differs between the two runs of one pairing is one its stubs
#   leave uninitialized: it is not compared.  MASK lists byte ranges of sent
#   messages ("12-15,20-23": x86_64's upper halves of the header's port
#   fields, which the kernel ignores) not compared either.
#   Prints the first difference and exits 1, or exits 0.
function byte(s, i) { return substr(s, 2 * i + 1, 2) }
function masked(i,   k) { for (k = 1; k <= nmask; k++) if (i >= lo[k] && i <= hi[k]) return 1; return 0 }
BEGIN {
  nmask = mask == "" ? 0 : split(mask, parts, ",")
  for (k = 1; k <= nmask; k++) { split(parts[k], r, "-"); lo[k] = r[1] + 0; hi[k] = r[2] + 0 }
  failed = 0
}
FILENAME == ARGV[1] { ra[FNR] = $0; nra = FNR; next }
FILENAME == ARGV[2] { rb[FNR] = $0; next }
FILENAME == ARGV[3] { ga[FNR] = $0; nga = FNR; next }
{
  if (failed) exit 1
  if (FNR > nra) { printf "message %d (%s %s bytes) has no counterpart in the reference\n", FNR, $1, $3; failed = 1; exit 1 }
  split(ra[FNR], a, " "); split(rb[FNR], b, " "); split(ga[FNR], g, " ")
  if (a[1] != g[1] || a[2] != g[2] || a[3] != g[3]) {
    printf "message %d: reference %s (depth %s) of %s bytes, here %s (depth %s) of %s bytes\n", FNR, a[1], a[2], a[3], g[1], g[2], g[3]
    failed = 1; exit 1
  }
  for (i = 0; i < a[3] + 0; i++) {
    if (a[1] == "send" && masked(i)) continue
    if (byte(a[4], i) != byte(b[4], i) || byte(g[4], i) != byte($4, i)) continue
    if (byte(a[4], i) != byte(g[4], i)) {
      printf "message %d (%s, depth %s, %s bytes, id %d): byte %d is %s in the reference, %s here\n", FNR, a[1], a[2], a[3], id(a[4]), i, byte(a[4], i), byte(g[4], i)
      failed = 1; exit 1
    }
  }
  n = FNR
}
# The message id: 4 little-endian bytes at IDOFF (28 on x86_64, 20 on i686).
function id(s,   v, k, c) {
  v = 0
  for (k = 3; k >= 0; k--) {
    c = byte(s, idoff + k)
    v = v * 256 + index("0123456789abcdef", substr(c, 1, 1)) * 16 - 16 + index("0123456789abcdef", substr(c, 2, 1)) - 1
  }
  return v
}
END {
  if (failed) exit 1
  if (n < nra) { printf "message %d of the reference is missing\n", n + 1; exit 1 }
  exit 0
}
