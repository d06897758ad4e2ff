#!/usr/bin/env bash
# bench/build.sh: how long `feedpub build` takes, and how much memory it
# needs, on an archive of N text articles, next to Django's feed generator
# (Debian's python3-feedgenerator) doing the same rendering. A benchmark for
# people, not part of CI.
#
# Usage, from the repository root:
#
#	bash bench/build.sh              # N = 100000 articles
#	bash bench/build.sh 10000
#	ROUNDS=1 KEEP=1 bash bench/build.sh 100000
#
# Environment:
#
#	ROUNDS  rounds of every case (default 3); the time verdicts use the medians
#	KEEP    1 keeps the temporary folder and prints its path
#
# What it does:
#
#  1. Installs GNU time (/usr/bin/time) and python3-feedgenerator from Debian
#     with apt-get when they are missing; apt-get update runs only when
#     something is installed.
#  2. Builds feedpub and bench/genarticles, and writes a temporary site in
#     $TMPDIR (default /tmp): N generated articles in folders of 1000
#     (articles/000/000000.txt, ...), each five to seven paragraphs, one or
#     two blank lines and 15 to 19 headlines drawn from a pool of 2000, so
#     that headlines repeat across files; about 3.5 KB a file. The
#     configuration has one text source and one feed with limit: 50, so a
#     build yields N articles plus about 2000 headline items and publishes
#     news.rss, news.atom and news.json.
#  3. Runs, each round, every command under `/usr/bin/time -f '%e %M %U %S'`:
#       full       `feedpub build` with an empty ledger and no output: every
#                  file is read, every item recorded, three feeds rendered,
#                  validated and written
#       feedgen    bench/build_feedgen.py over the same articles: the same
#                  reading, parsing and HTML, the newest 50 items, RSS 2.0 and
#                  Atom written with feedgenerator; no ledger, no validation,
#                  no JSON Feed
#       unchanged  `feedpub build` again, nothing changed
#       edit       `feedpub build` after appending a sentence to the first
#                  paragraph of one article (a different one every round):
#                  that file is parsed, the others come from the file cache
#       touch      `feedpub build` after changing only the modification time
#                  of another article: it is read and hashed, not parsed
#  4. Prints each run's wall time, CPU time (user + system) and peak RSS, the
#     median of each case over the rounds, and the verdicts against the
#     targets, PASS or MISS, with nothing left out:
#       full build      at most 5 s wall
#       peak RSS        at most 200 MB (MiB, as GNU time's %M / 1024), in
#                       every feedpub run (the largest, not a median)
#       unchanged/full  below 5 % (wall time)
#     and the ratio feedpub full / feedgen, in wall and in CPU time.
#  5. Removes the temporary folder unless KEEP=1.
#
# The articles are written just before the runs, so they are in the page
# cache: the figures are for a warm cache, not for a cold disk. Wall times
# on a shared machine move with whatever else runs; the CPU times move less.
# Compare only figures from the same run.
set -euo pipefail

N=${1:-100000}
ROUNDS=${ROUNDS:-3}
KEEP=${KEEP:-0}

source "$(dirname "$0")/lib.sh"
bench_init build.sh
need_whole N ROUNDS
((N >= 100)) || fail "N must be at least 100, got '$N'"
[[ -f bench/build_feedgen.py ]] || fail "run from the repository root: bash bench/build.sh"

# --- tools -------------------------------------------------------------------

# feedgen_python prints a python3 that imports feedgenerator: Debian's
# package installs it for the system interpreter, which may not be the first
# python3 on PATH.
feedgen_python() {
	local py
	for py in /usr/bin/python3 "$(command -v python3 || true)"; do
		if [[ -x $py ]] && "$py" -c 'import feedgenerator' 2>/dev/null; then
			echo "$py"
			return
		fi
	done
	return 1
}

missing=()
[[ -x /usr/bin/time ]] || missing+=(time)
PYTHON=$(feedgen_python) || missing+=(python3-feedgenerator)
if ((${#missing[@]})); then
	apt_install "${missing[@]}"
	PYTHON=$(feedgen_python) || {
		echo "build.sh: no python3 imports feedgenerator after installing python3-feedgenerator" >&2
		exit 1
	}
fi

# --- temporary folder and clean-up --------------------------------------------

bench_tmp feedpub-build-bench

# --- feedpub, the generator and the site --------------------------------------

log "building feedpub and bench/genarticles"
go build -o "$tmp/feedpub" ./cmd/feedpub
go build -o "$tmp/genarticles" ./bench/genarticles

site=$tmp/site
mkdir -p "$site"
cat >"$site/feedpub.yaml" <<'EOF'
title: Bench News
link: https://news.example.com/
description: Generated articles for bench/build.sh
language: en
base_url: http://127.0.0.1:8080/
id_date: "2026-01-01"
output: public
state: data/feedpub.db
sources:
  - name: wire
    type: text
    path: articles
feeds:
  - name: news
    sources: [wire]
    limit: 50
EOF

log "writing $N articles into $site/articles"
gen_start=$(date +%s.%N)
bytes=$("$tmp/genarticles" -n "$N" -dir "$site/articles")
gen_end=$(date +%s.%N)
files=$(find "$site/articles" -type f -name '*.txt' | wc -l)
if ((files != N)); then
	echo "build.sh: generated $files files, want $N" >&2
	exit 1
fi
log "$(awk -v b="$bytes" -v n="$N" -v s="$gen_start" -v e="$gen_end" \
	'BEGIN { printf "wrote %d files, %.1f MB (%.0f bytes a file) in %.1f s", n, b / 1e6, b / n, e - s }')"

# article I prints the path of article I, as genarticles names it.
article() {
	local i=$1 fw=3 nw=6
	((${#N} - 3 > fw)) && fw=$((${#N} - 3))
	((${#N} > nw)) && nw=${#N}
	printf '%s/articles/%0*d/%0*d.txt' "$site" "$fw" $((i / 1000)) "$nw" "$i"
}

# --- runs ------------------------------------------------------------------------

cases=(full feedgen unchanged edit touch)
declare -A wall=() cpu=() rss=()

# measure CASE ROUND CMD... runs CMD under GNU time, appends its wall time,
# CPU time and peak RSS to the case's lists and prints one line for it.
measure() {
	local name=$1 round=$2 status=0
	shift 2
	/usr/bin/time -f '%e %M %U %S' -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || status=$?
	if ((status != 0)); then
		echo "build.sh: $name failed with status $status:" >&2
		cat "$tmp/out" "$tmp/err" >&2
		exit 1
	fi
	local e m u s c
	read -r e m u s < <(tail -n1 "$tmp/time")
	c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
	m=$(awk -v m="$m" 'BEGIN { printf "%.1f", m / 1024 }')
	wall[$name]+="$e "
	cpu[$name]+="$c "
	rss[$name]+="$m "
	printf '  round %d  %-9s  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB   %s\n' \
		"$round" "$name" "$e" "$c" "$m" "$(head -n1 "$tmp/out")"
}

feedpub_build=("$tmp/feedpub" build -config "$site/feedpub.yaml" -log-level warn)

# machine_load prints the load average and, where the kernel reports it,
# the share of the last minute in which some task waited for a CPU.
machine_load() {
	printf 'load average %s' "$(cut -d' ' -f1-3 /proc/loadavg)"
	if [[ -r /proc/pressure/cpu ]]; then
		printf ', CPU pressure %s %%' "$(sed -n 's/^some .*avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu)"
	fi
}

echo "feedpub build benchmark: $N articles, $ROUNDS round(s), $(nproc) CPUs, $(machine_load)"
for round in $(seq "$ROUNDS"); do
	rm -rf "$site/public" "$site/data"
	measure full "$round" "${feedpub_build[@]}"
	rm -rf "$site/feedgen"
	measure feedgen "$round" "$PYTHON" bench/build_feedgen.py "$site/articles" "$site/feedgen" 50
	measure unchanged "$round" "${feedpub_build[@]}"
	edited=$(article $(((N / 2 + round * 7919) % N)))
	sed -i "1s/\$/ The council said on Friday that further details would follow./" "$edited"
	measure edit "$round" "${feedpub_build[@]}"
	touch "$(article $(((N / 3 + round * 104729) % N)))"
	measure touch "$round" "${feedpub_build[@]}"
done

# --- results ------------------------------------------------------------------------

# median prints the median of its arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

declare -A mw=() mc=() mr=()
echo
echo "medians over $ROUNDS round(s):"
for c in "${cases[@]}"; do
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	mw[$c]=$(median ${wall[$c]})
	# shellcheck disable=SC2086
	mc[$c]=$(median ${cpu[$c]})
	# shellcheck disable=SC2086
	mr[$c]=$(median ${rss[$c]})
	printf '  %-9s  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB\n' "$c" "${mw[$c]}" "${mc[$c]}" "${mr[$c]}"
done

echo
echo "outputs:"
for f in news.rss news.atom news.json; do
	printf '  feedpub  %-9s %9d bytes\n' "$f" "$(stat -c %s "$site/public/$f")"
done
for f in news.rss news.atom; do
	printf '  feedgen  %-9s %9d bytes, %d items\n' "$f" "$(stat -c %s "$site/feedgen/$f")" \
		"$(grep -o '<item>\|<entry>' "$site/feedgen/$f" | wc -l)"
done

# verdict OK LABEL prints a PASS or MISS line.
verdict() {
	if [[ $1 == 1 ]]; then printf '  PASS  %s\n' "$2"; else printf '  MISS  %s\n' "$2"; fi
}
# holds A OP B prints 1 when the comparison holds.
holds() { awk -v a="$1" -v b="$3" "BEGIN { print (a $2 b) ? 1 : 0 }"; }

echo
echo "targets ($N articles; times are medians, memory is the largest run):"
verdict "$(holds "${mw[full]}" '<=' 5)" "$(printf 'full build %.2f s wall, target 5 s' "${mw[full]}")"
awk -v c="${mc[full]}" -v n="$(nproc)" 'BEGIN {
	printf "        (its %.2f s of CPU time need at least %.2f s wall on %d idle CPUs)\n", c, c / n, n
}'
# The memory verdict takes the largest peak of any feedpub run, not a median.
max_rss=0 max_case=
for c in full unchanged edit touch; do
	# shellcheck disable=SC2086
	for m in ${rss[$c]}; do
		if [[ $(holds "$m" '>' "$max_rss") == 1 ]]; then
			max_rss=$m max_case=$c
		fi
	done
done
verdict "$(holds "$max_rss" '<=' 200)" "$(printf 'peak RSS %.1f MB (the largest of all feedpub runs: %s), target 200 MB' "$max_rss" "$max_case")"
ratio=$(awk -v a="${mw[unchanged]}" -v b="${mw[full]}" 'BEGIN { printf "%.2f", 100 * a / b }')
verdict "$(holds "$ratio" '<' 5)" "$(printf 'rebuild with no change %.2f s = %s %% of the full build, target below 5 %%' "${mw[unchanged]}" "$ratio")"
awk -v a="${mc[unchanged]}" -v b="${mc[full]}" 'BEGIN {
	printf "        (in CPU time: %.2f s / %.2f s = %.2f %%)\n", a, b, 100 * a / b
}'
echo
echo "rebuilds after a change (no target; only the changed file is parsed):"
for c in edit touch; do
	awk -v c="$c" -v a="${mw[$c]}" -v b="${mw[full]}" 'BEGIN {
		printf "  %-5s  %.2f s = %.1f %% of the full build\n", c, a, 100 * a / b
	}'
done
echo
echo "feedpub full build / feedgen:"
awk -v fw="${mw[full]}" -v gw="${mw[feedgen]}" -v fc="${mc[full]}" -v gc="${mc[feedgen]}" \
	-v fr="${mr[full]}" -v gr="${mr[feedgen]}" 'BEGIN {
	printf "  wall %.2f s / %.2f s = %.2f\n", fw, gw, fw / gw
	printf "  cpu  %.2f s / %.2f s = %.2f\n", fc, gc, fc / gc
	printf "  peak RSS %.1f MB / %.1f MB = %.2f\n", fr, gr, fr / gr
}'
echo
echo "note: wall times on a shared machine depend on its other load ($(machine_load) now);"
echo "CPU times depend on it less. feedpub reads and parses on every CPU, feedgen on one."
