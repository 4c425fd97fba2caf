#!/usr/bin/env bash
# Runs mcsec-bench and draws its result as a bar chart (PNG, gnuplot),
# mcsec next to libwolfssl per operation and peer count, log scale. Also
# prints the Markdown table of docs/performance.md for the same run(s).
#
#   bench/plot.sh [BUILD_DIR] [OUT.png] [SECONDS]
#     defaults: build, docs/performance.png, 0.5 (time budget per row and library)
#   MCSEC_BENCH_RUNS=N bench/plot.sh ...   N runs, each row the lowest of the N
#     medians per library (on a shared machine a single run can be inflated)
#   MCSEC_BENCH_JSON="a.json b.json" bench/plot.sh ...   draws earlier --json
#     outputs instead (several: the lowest per row and library, as above)
#
# Needs gnuplot (Debian: gnuplot-nox, in scripts/install-deps.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
out=${2:-$root/docs/performance.png}
secs=${3:-0.5}
command -v gnuplot >/dev/null || { echo "plot.sh: gnuplot not found (apt-get install gnuplot-nox)" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if [ -n "${MCSEC_BENCH_JSON:-}" ]; then
  n=0
  for f in $MCSEC_BENCH_JSON; do
    n=$((n + 1))
    cp "$f" "$tmp/bench$n.json"
  done
else
  for n in $(seq 1 "${MCSEC_BENCH_RUNS:-1}"); do
    "$build/bench/mcsec-bench" --json --seconds "$secs" >"$tmp/bench$n.json"
  done
fi

# One result object per line: {"op": "x", "peers": n, "mcsec_us": a, "wolfssl_us": b|null};
# over several runs the lowest value per row and library, in the order of the first run
for f in "$tmp"/bench*.json; do
  sed -n 's/.*"op": "\([a-z_]*\)", "peers": \([0-9]*\), "mcsec_us": \([-0-9.]*\), "wolfssl_us": \([-0-9.nul]*\)}.*/\1 \2 \3 \4/p' "$f"
done | awk '{ k = $1 " " $2
              if (!(k in m)) { order[n++] = k; m[k] = $3; w[k] = $4; next }
              if ($3 + 0 < m[k] + 0) m[k] = $3
              if ($4 != "null" && (w[k] == "null" || $4 + 0 < w[k] + 0)) w[k] = $4 }
            END { for (i = 0; i < n; i++) print order[i], m[order[i]], w[order[i]] }' >"$tmp/rows"
[ -s "$tmp/rows" ] || { echo "plot.sh: no results in the bench output" >&2; exit 1; }

# gnuplot data: label, mcsec, wolfSSL ("-" when absent: not drawn)
awk '{ w = ($4 == "null") ? "-" : $4; printf "\"%s (%s)\" %s %s\n", $1, $2, $3, w }' "$tmp/rows" >"$tmp/data"

gnuplot <<EOF
set terminal pngcairo size 1200,560 font ",10" noenhanced
set output "$out"
set title "mcsec vs libwolfssl (Debian 12), median µs per operation, single thread (lower is better)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [5:*]
set ylabel "µs per operation (log scale)"
set xtics rotate by -35 left
set grid ytics
set key top left
set datafile missing "-"
plot "$tmp/data" using 2:xtic(1) title "mcsec" lc rgb "#1f77b4", \
     "" using 3 title "libwolfssl" lc rgb "#d62728"
EOF

echo "| operation | peers | mcsec µs | wolfSSL µs | ratio |"
echo "|---|---|---|---|---|"
awk '{
  m = ($3 >= 100) ? sprintf("%.0f", $3) : sprintf("%.1f", $3)
  if ($4 == "null") { w = "–"; r = "–" }
  else { w = ($4 >= 100) ? sprintf("%.0f", $4) : sprintf("%.1f", $4); r = sprintf("%.1f×", $4 / $3) }
  printf "| %s | %s | %s | %s | %s |\n", $1, $2, m, w, r }' "$tmp/rows"
echo "plot.sh: chart written to $out" >&2
