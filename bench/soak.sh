#!/usr/bin/env bash
# bench/soak.sh: `feedpub serve` under steady polling while its articles
# change every half second. A check for people, not part of CI.
#
# Usage, from the repository root:
#
#	bash bench/soak.sh
#	DURATION=300 WORKERS=32 bash bench/soak.sh
#
# Environment:
#
#	DURATION  seconds of polling after the warm-up (default 60)
#	WORKERS   concurrent polling clients (default 16)
#	ARTICLES  articles in the generated site (default 30)
#	WARMUP    seconds of polling before counting starts (default 3)
#	PAUSE     each client's pause between requests, as a Go duration such as
#	          10ms (default 0: as fast as the server answers)
#	KEEP      1 keeps the temporary folder and prints its path
#
# What it does:
#
#  1. Builds feedpub and bench/soakclient into a temporary folder.
#  2. Writes a site of ARTICLES text articles there, with headlines, and
#     schedule: "@every 1s", so that every second a build runs and, when
#     an article changed, a new snapshot is put in service.
#  3. Starts `feedpub serve` on 127.0.0.1 with -listen 127.0.0.1:0 and
#     takes the address it prints, so the port is free by construction.
#  4. Starts a writer that rewrites one article every 0.5 s, in place (not
#     by rename), for the warm-up and DURATION and no longer.
#  5. Runs bench/soakclient: WORKERS clients poll news.rss, news.atom and
#     news.json, plain and with Accept-Encoding: gzip, each with and without
#     If-None-Match set to the last ETag the client saw. Every 200 must carry
#     the ETag of its bytes (the first 128 bits of their SHA-256, base64url,
#     as feed/httpfeed derives it; the gzip variant has the tag of the gzip
#     bytes) and a body as long as Content-Length; every 304 must come with
#     no body and the ETag asked about; a gzip body must decompress; every
#     25th body of a client is validated with feed.ValidateFormat. Other
#     statuses and transport errors count as errors. The client samples the
#     server's VmRSS (/proc/PID/status) after the warm-up, every 10 s and at
#     the end.
#  6. Prints the client's figures (requests, 200s, 304s, errors, mismatches,
#     invalid documents, distinct ETags, RSS start/end/max) and, from the
#     server's log, how many builds ran, failed and swapped a snapshot.
#
# Exit status: 0 when there was no error, mismatch or invalid document and
# no build failed; 1 otherwise; 2 for a usage problem or a server that did
# not start.
#
# Every request goes to 127.0.0.1, the load stops after WARMUP + DURATION
# seconds, and the server and the writer are stopped when the script exits,
# however it exits.
set -euo pipefail

DURATION=${DURATION:-60}
WORKERS=${WORKERS:-16}
ARTICLES=${ARTICLES:-30}
WARMUP=${WARMUP:-3}
PAUSE=${PAUSE:-0}
KEEP=${KEEP:-0}

source "$(dirname "$0")/lib.sh"
bench_init soak.sh
need_whole DURATION WORKERS ARTICLES WARMUP

bench_tmp feedpub-soak

# --- binaries and the site ---------------------------------------------------------

log "building feedpub and soakclient"
go build -o "$tmp/feedpub" ./cmd/feedpub
go build -o "$tmp/soakclient" ./bench/soakclient

site=$tmp/site
mkdir -p "$site/articles"
cat >"$site/feedpub.yaml" <<EOF
title: Soak News
link: https://news.example.com/
description: Generated articles for bench/soak.sh
language: en
base_url: http://127.0.0.1:8080/
output: public
state: data/feedpub.db
schedule: "@every 1s"
sources:
  - name: wire
    type: text
    path: articles
feeds:
  - name: news
    sources: [wire]
    limit: 100
EOF

# article N REVISION prints article N at a revision: a header, a few
# paragraphs and two headlines.
article() {
	local n=$1 rev=$2 p
	printf 'Title: Story %d, revision %d\n' "$n" "$rev"
	printf 'Date: 2026-03-%02dT%02d:00:00Z\n' $((n % 28 + 1)) $((n % 24))
	printf 'Author: Desk %d <desk%d@news.example.com>\n' $((n % 5)) $((n % 5))
	printf 'Tags: Soak, Desk %d\n\n' $((n % 5))
	for p in 1 2 3 4; do
		printf 'Paragraph %d of story %d at revision %d tells what happened in the valley today. ' "$p" "$n" "$rev"
		printf 'Officials said more would follow, and readers wrote in with questions about it.\n'
	done
	printf '\n\nHeadline %d From the Desk\nAnother Headline for Story %d\n' "$n" "$n"
}

for ((n = 1; n <= ARTICLES; n++)); do
	article "$n" 0 >"$site/articles/story-$(printf %03d "$n").txt"
done

# --- the server --------------------------------------------------------------------

log "starting feedpub serve"
: >"$tmp/serve.out"
"$tmp/feedpub" serve -config "$site/feedpub.yaml" -listen 127.0.0.1:0 -log-level info \
	>"$tmp/serve.out" 2>"$tmp/serve.err" &
pid[serve]=$!
base=
for i in $(seq 100); do
	base=$(sed -n 's/^feedpub .* serving on \(http:[^ ]*\)$/\1/p' "$tmp/serve.out" | head -n1 || true)
	[[ -n $base ]] && break
	if ! kill -0 "${pid[serve]}" 2>/dev/null || ((i == 100)); then
		echo "soak.sh: feedpub serve did not start:" >&2
		cat "$tmp/serve.err" >&2
		exit 2
	fi
	sleep 0.1
done
log "serving on $base (pid ${pid[serve]})"

# --- the writer ---------------------------------------------------------------------

# Rewrites story-001 twice a second, for as long as the client polls.
writer() {
	local rev=0 rounds=$(((WARMUP + DURATION) * 2))
	while ((rev < rounds)); do
		rev=$((rev + 1))
		article 1 "$rev" >"$site/articles/story-001.txt"
		sleep 0.5
	done
	echo "$rev" >"$tmp/writer.revisions"
}
writer &
pid[writer]=$!

# --- the load ------------------------------------------------------------------------

log "polling for ${WARMUP}s of warm-up and ${DURATION}s with $WORKERS workers"
status=0
# The client stops by itself; timeout is the bound should it not.
timeout $((WARMUP + DURATION + 60)) "$tmp/soakclient" -base "$base" -workers "$WORKERS" \
	-duration "${DURATION}s" -warmup "${WARMUP}s" -pause "$PAUSE" -pid "${pid[serve]}" || status=$?
wait "${pid[writer]}" 2>/dev/null || true
unset 'pid[writer]'

builds=$(grep -c 'msg="build finished"' "$tmp/serve.err" || true)
failed=$(grep -c 'msg="build failed' "$tmp/serve.err" || true)
swaps=$(grep -c 'msg="snapshot swapped"' "$tmp/serve.err" || true)
printf 'rewrites:    %s of story-001\n' "$(cat "$tmp/writer.revisions" 2>/dev/null || echo '?')"
printf 'builds:      %s finished, %s failed, %s snapshots swapped\n' "$builds" "$failed" "$swaps"
if ((failed > 0)); then
	grep 'msg="build failed' "$tmp/serve.err" | head -n 5 >&2
	((status == 0)) && status=1
fi
if grep -q 'level=ERROR' "$tmp/serve.err"; then
	echo "soak.sh: the server logged errors:" >&2
	grep 'level=ERROR' "$tmp/serve.err" | head -n 5 >&2
	((status == 0)) && status=1
fi
if ((status != 0)); then
	echo "soak.sh: FAILED (status $status)" >&2
else
	echo "soak.sh: ok"
fi
exit "$status"
