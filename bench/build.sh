#!/usr/bin/env bash
# bench/build.sh: how long `feedpub build` takes, and how much memory it
# needs, on an archive of N text articles and on one of SCALE × N, next to
# Django's feed generator (Debian's python3-feedgenerator) doing the same
# rendering. A benchmark for people, not part of CI.
#
# Usage, from the repository root:
#
#	bash bench/build.sh              # N = 100000 articles, and 300000
#	bash bench/build.sh 10000
#	SCALE=1 ROUNDS=1 KEEP=1 bash bench/build.sh 100000
#
# Environment:
#
#	ROUNDS  rounds of every case (default 3); the time verdicts use the medians
#	SCALE   the second archive has SCALE × N articles (default 3); 1 runs
#	        only the first
#	KEEP    1 keeps the temporary folder and prints its path
#
# What it does:
#
#  1. Installs GNU time (/usr/bin/time) and python3-feedgenerator from Debian
#     with apt-get when they are missing; apt-get update runs only when
#     something is installed.
#  2. Builds feedpub and bench/genarticles, and writes two temporary sites
#     in $TMPDIR (default /tmp), of N and of SCALE × N generated articles in
#     folders of 1000 (articles/000/000000.txt, ...), each five to seven
#     paragraphs, one or two blank lines and 15 to 19 headlines drawn from a
#     pool of 2000, so that headlines repeat across files; about 3.5 KB a
#     file. The configuration has one text source and one feed with
#     limit: 50 and the defaults otherwise, so a build yields N articles plus
#     about 2000 headline items and publishes news.rss, news.atom, news.json,
#     news.html, feeds.opml and an item page for each of the 50 items.
#  3. Runs, each round and on each site, every command under
#     `/usr/bin/time -f '%e %M %U %S'`:
#       full       `feedpub build` with an empty ledger and no output: every
#                  file is read, every item recorded, three feeds rendered,
#                  validated and written
#       feedgen    (first site only) bench/build_feedgen.py over the same
#                  articles: the same reading, parsing and HTML, the newest
#                  50 items, RSS 2.0 and Atom written with feedgenerator; no
#                  ledger, no validation, no JSON Feed
#       unchanged  `feedpub build` again, nothing changed
#       edit       `feedpub build` after appending a sentence to the first
#                  paragraph of one article (a different one every round)
#       add        `feedpub build` after adding one article, which becomes
#                  the newest item of the feed
#       touch      `feedpub build` after changing only the modification time
#                  of another article: it is read and hashed, not parsed
#  4. Prints each run's wall time, CPU time (user + system) and peak RSS, the
#     median of each case over the rounds, and the verdicts against the
#     targets, PASS or MISS, with nothing left out:
#       full build      below 3 s wall
#       peak RSS        below 150 MB (MiB, as GNU time's %M / 1024), in
#                       every feedpub run (the largest, not a median)
#       edit, add       at most 2 × the rebuild with no change (wall time)
#       unchanged/full  below 5 % (wall time), shown with the CPU time
#                       find takes to stat every article once: a rebuild
#                       with no change must stat them all, since an edit
#                       in place changes a file but not its folder
#       peak RSS at SCALE × N at most 1.3 × that at N (the largest runs)
#     then every case's figures at N and SCALE × N side by side, and the
#     ratio feedpub full / feedgen, in wall and in CPU time.
#  5. Removes the temporary folder unless KEEP=1.
#
# The articles are written just before the runs, so they are in the page
# cache: the figures are for a warm cache, not for a cold disk. Wall times
# on a shared machine move with whatever else runs; the CPU times move less.
# Compare only figures from the same run.
set -euo pipefail

N=${1:-100000}
ROUNDS=${ROUNDS:-3}
SCALE=${SCALE:-3}
KEEP=${KEEP:-0}

source "$(dirname "$0")/lib.sh"
bench_init build.sh
need_whole N ROUNDS SCALE
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

# --- feedpub, the generator and the sites --------------------------------------

log "building feedpub and bench/genarticles"
go build -o "$tmp/feedpub" ./cmd/feedpub
go build -o "$tmp/genarticles" ./bench/genarticles

# make_site DIR COUNT writes a site of COUNT generated articles in DIR.
make_site() {
	local dir=$1 n=$2
	mkdir -p "$dir"
	cat >"$dir/feedpub.yaml" <<'EOF'
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
	log "writing $n articles into $dir/articles"
	local gen_start gen_end bytes files
	gen_start=$(date +%s.%N)
	bytes=$("$tmp/genarticles" -n "$n" -dir "$dir/articles")
	gen_end=$(date +%s.%N)
	files=$(find "$dir/articles" -type f -name '*.txt' | wc -l)
	if ((files != n)); then
		echo "build.sh: generated $files files, want $n" >&2
		exit 1
	fi
	log "$(awk -v b="$bytes" -v n="$n" -v s="$gen_start" -v e="$gen_end" \
		'BEGIN { printf "wrote %d files, %.1f MB (%.0f bytes a file) in %.1f s", n, b / 1e6, b / n, e - s }')"
}

# article DIR COUNT I prints the path of article I of a site of COUNT
# articles, as genarticles names it: folders of 1000 numbered with at
# least 3 digits, files with at least 6.
article() {
	local dir=$1 n=$2 i=$3
	local last=$(((n + 999) / 1000 - 1)) top=$((n - 1))
	local fw=$((${#last} > 3 ? ${#last} : 3)) nw=$((${#top} > 6 ? ${#top} : 6))
	printf '%s/articles/%0*d/%0*d.txt' "$dir" "$fw" $((i / 1000)) "$nw" "$i"
}

# add_article DIR COUNT ROUND writes a new article into the last folder of
# the site: article 0 with a sentence of its own, so that it is a new
# item, first seen now, and the newest in the feed.
add_article() {
	local dir=$1 n=$2 round=$3 folder
	folder=$(dirname "$(article "$dir" "$n" $((n - 1)))")
	sed "1s/\$/ An added story, number $round, arrived after the archive./" \
		"$(article "$dir" "$n" 0)" >"$folder/added-$round.txt"
}

# --- runs ------------------------------------------------------------------------

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
	printf '  round %d  %-11s  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB   %s\n' \
		"$round" "$name" "$e" "$c" "$m" "$(head -n1 "$tmp/out")"
}

# machine_load prints the load average and, where the kernel reports it,
# the share of the last minute in which some task waited for a CPU.
machine_load() {
	printf 'load average %s' "$(cut -d' ' -f1-3 /proc/loadavg)"
	if [[ -r /proc/pressure/cpu ]]; then
		printf ', CPU pressure %s %%' "$(sed -n 's/^some .*avg60=\([0-9.]*\).*/\1/p' /proc/pressure/cpu)"
	fi
}

# run_round DIR COUNT SUFFIX ROUND [feedgen] runs one round of the feedpub
# cases on the site in DIR, naming them CASE$SUFFIX; with feedgen, the
# feedgen comparison too.
run_round() {
	local dir=$1 n=$2 sfx=$3 round=$4 with_feedgen=${5:-}
	local build=("$tmp/feedpub" build -config "$dir/feedpub.yaml" -log-level warn)
	rm -rf "$dir/public" "$dir/data"
	rm -f "$dir"/articles/*/added-*.txt
	measure "full$sfx" "$round" "${build[@]}"
	if [[ -n $with_feedgen ]]; then
		rm -rf "$dir/feedgen"
		measure "feedgen$sfx" "$round" "$PYTHON" bench/build_feedgen.py "$dir/articles" "$dir/feedgen" 50
	fi
	measure "unchanged$sfx" "$round" "${build[@]}"
	sed -i "1s/\$/ The council said on Friday that further details would follow./" \
		"$(article "$dir" "$n" $(((n / 2 + round * 7919) % n)))"
	measure "edit$sfx" "$round" "${build[@]}"
	add_article "$dir" "$n" "$round"
	measure "add$sfx" "$round" "${build[@]}"
	touch "$(article "$dir" "$n" $(((n / 3 + round * 104729) % n)))"
	measure "touch$sfx" "$round" "${build[@]}"
}

site=$tmp/site
make_site "$site" "$N"
large=$((N * SCALE))
if ((SCALE > 1)); then
	make_site "$tmp/large" "$large"
fi

sizes="$N articles"
((SCALE > 1)) && sizes+=" and $large"
echo "feedpub build benchmark: $sizes, $ROUNDS round(s), $(nproc) CPUs, $(machine_load)"
for round in $(seq "$ROUNDS"); do
	run_round "$site" "$N" "" "$round" feedgen
	if ((SCALE > 1)); then
		run_round "$tmp/large" "$large" "@$SCALE" "$round"
	fi
done

# stat_floor prints the CPU seconds find takes to list the folders and stat
# every article once: about the least a build that must notice an edit in
# place (which changes a file but not its folder) spends finding none.
stat_floor() {
	/usr/bin/time -f '%U %S' -o "$tmp/time" find "$site/articles" -type f -printf '%s %T@\n' >/dev/null
	awk '{ printf "%.3f", $1 + $2 }' "$tmp/time"
}
floor=$(stat_floor)

# --- results ------------------------------------------------------------------------

# median prints the median of its arguments.
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
# largest prints the largest of its arguments.
largest() { printf '%s\n' "$@" | sort -g | tail -n1; }
# ratio A B prints A / B.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

feedpub_cases=(full unchanged edit add touch)
all_cases=(full feedgen unchanged edit add touch)
if ((SCALE > 1)); then
	for c in "${feedpub_cases[@]}"; do all_cases+=("$c@$SCALE"); done
fi
declare -A mw=() mc=() mr=()
echo
echo "medians over $ROUNDS round(s)$( ((SCALE > 1)) && echo " (CASE@$SCALE: $large articles)"):"
for c in "${all_cases[@]}"; do
	# shellcheck disable=SC2086 # the lists are space-separated numbers
	mw[$c]=$(median ${wall[$c]})
	# shellcheck disable=SC2086
	mc[$c]=$(median ${cpu[$c]})
	# shellcheck disable=SC2086
	mr[$c]=$(median ${rss[$c]})
	printf '  %-11s  wall %7.2f s  cpu %7.2f s  peak RSS %7.1f MB\n' "$c" "${mw[$c]}" "${mc[$c]}" "${mr[$c]}"
done

echo
echo "outputs ($N articles):"
for f in news.rss news.atom news.json; do
	printf '  feedpub  %-9s %9d bytes\n' "$f" "$(stat -c %s "$site/public/$f")"
done
printf '  feedpub  items/    %9d pages\n' "$(find "$site/public/items" -name index.html | wc -l)"
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
# peak SUFFIX prints the largest peak RSS of the feedpub runs of one size
# and, after a space, the case it came from. Memory verdicts take the
# largest of every run, not a median.
peak() {
	local best=0 from=none c m
	for c in "${feedpub_cases[@]}"; do
		# shellcheck disable=SC2086
		m=$(largest ${rss[$c$1]})
		if [[ $(holds "$m" '>' "$best") == 1 ]]; then best=$m from=$c; fi
	done
	echo "$best $from"
}

echo
echo "targets ($N articles; times are medians, memory is the largest run):"
verdict "$(holds "${mw[full]}" '<' 3)" "$(printf 'full build %.2f s wall, target below 3 s' "${mw[full]}")"
awk -v c="${mc[full]}" -v n="$(nproc)" 'BEGIN {
	printf "        (its %.2f s of CPU time need at least %.2f s wall on %d idle CPUs)\n", c, c / n, n
}'
read -r max_rss max_case < <(peak "")
verdict "$(holds "$max_rss" '<' 150)" "$(printf 'peak RSS %.1f MB (the largest of all feedpub runs: %s), target below 150 MB' "$max_rss" "$max_case")"
for c in edit add; do
	r=$(ratio "${mw[$c]}" "${mw[unchanged]}")
	verdict "$(holds "$r" '<=' 2)" "$(printf '%s rebuild %.2f s = %s × the rebuild with no change (%.2f s), target at most 2 ×' "$c" "${mw[$c]}" "$r" "${mw[unchanged]}")"
	printf '        (in CPU time: %.2f s / %.2f s = %s ×)\n' "${mc[$c]}" "${mc[unchanged]}" "$(ratio "${mc[$c]}" "${mc[unchanged]}")"
done
pct=$(awk -v a="${mw[unchanged]}" -v b="${mw[full]}" 'BEGIN { printf "%.2f", 100 * a / b }')
verdict "$(holds "$pct" '<' 5)" "$(printf 'rebuild with no change %.2f s = %s %% of the full build, target below 5 %%' "${mw[unchanged]}" "$pct")"
awk -v f="$floor" -v n="$N" -v c="$(nproc)" 'BEGIN {
	printf "        (find stating the %d articles once took %.2f s of CPU: %.2f s wall on %d idle CPUs)\n", n, f, f / c, c
}'
if ((SCALE > 1)); then
	read -r big_rss big_case < <(peak "@$SCALE")
	r=$(ratio "$big_rss" "$max_rss")
	verdict "$(holds "$r" '<=' 1.3)" "$(printf 'peak RSS at %d articles %.1f MB (%s) = %s × that at %d, target at most 1.3 ×' "$large" "$big_rss" "$big_case" "$r" "$N")"
	echo
	echo "$N → $large articles (medians):"
	for c in "${feedpub_cases[@]}"; do
		printf '  %-9s  wall %6.2f → %6.2f s = %s ×   cpu %6.2f → %6.2f s = %s ×   peak RSS %6.1f → %6.1f MB = %s ×\n' "$c" \
			"${mw[$c]}" "${mw[$c@$SCALE]}" "$(ratio "${mw[$c@$SCALE]}" "${mw[$c]}")" \
			"${mc[$c]}" "${mc[$c@$SCALE]}" "$(ratio "${mc[$c@$SCALE]}" "${mc[$c]}")" \
			"${mr[$c]}" "${mr[$c@$SCALE]}" "$(ratio "${mr[$c@$SCALE]}" "${mr[$c]}")"
	done
	for c in edit add; do
		printf '  at %d, %s = %s × the rebuild with no change\n' "$large" "$c" "$(ratio "${mw[$c@$SCALE]}" "${mw[unchanged@$SCALE]}")"
	done
fi
echo
printf 'touch (modification time only, no target): %.2f s = %s × the rebuild with no change\n' \
	"${mw[touch]}" "$(ratio "${mw[touch]}" "${mw[unchanged]}")"
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
