#!/usr/bin/env bash
# bench/serve.sh: how fast `feedpub serve` answers, next to nginx serving the
# very same bytes. A benchmark for people, not part of CI.
#
# Usage, from the repository root:
#
#	bash bench/serve.sh
#	DURATION=10 CONNS=128 ROUNDS=7 bash bench/serve.sh
#
# Environment:
#
#	DURATION  seconds per wrk run (default 5)
#	CONNS     wrk connections (default 64)
#	THREADS   wrk threads (default 2)
#	ROUNDS    rounds per case (default 5); the medians are over the rounds
#	TARGET_KB size the generated RSS document is brought to (default 150)
#	KEEP      1 keeps the temporary folder and prints its path
#
# What it does:
#
#  1. Installs nginx (nginx-light) and wrk from Debian with apt-get when they
#     are missing; apt-get update runs only when something is installed.
#  2. Builds feedpub and a temporary site of 60 generated text articles whose
#     paragraphs bring news.rss to about TARGET_KB (the size is checked and
#     the number of sentences adjusted), with limit: 60.
#  3. Starts `feedpub serve` on a free loopback port (schedule @every 1h),
#     waits for /healthz to answer 200, and copies the exact bytes it serves
#     for /news.rss, without and with Accept-Encoding: gzip, into an nginx
#     root as news.rss and news.rss.gz.
#  4. Starts nginx on another free loopback port with a configuration of its
#     own in the temporary folder (worker_processes auto, sendfile, tcp_nopush,
#     etag, gzip_static, no access log, long keep-alive, and the same
#     Cache-Control, Link, Vary and X-Content-Type-Options headers feedpub
#     sends, so that both answer with responses of the same shape). The
#     system nginx and its configuration are not touched.
#  5. For each case (plain 200; gzip 200 with Accept-Encoding: gzip;
#     conditional 304 with If-None-Match set to each server's own ETag)
#     checks with curl that both servers answer with the expected status, then
#     runs wrk ROUNDS times against each, interleaved (nginx, feedpub, nginx,
#     feedpub, ...), so that a noisy neighbour hurts both alike.
#  6. Prints each round's requests per second, then per case the median of
#     each server and the ratio feedpub/nginx.
#
# Both servers and wrk share the machine's cores: the figures compare the
# two servers under the same conditions, they are not capacity numbers. On a
# shared machine, compare only figures from the same run.
#
# Every load run is bounded in time (wrk -d, under timeout) and goes only to
# 127.0.0.1. Both servers are stopped when the script exits, however it exits.
set -euo pipefail

DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
TARGET_KB=${TARGET_KB:-150}
KEEP=${KEEP:-0}

for v in DURATION CONNS THREADS ROUNDS TARGET_KB; do
	if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then
		echo "serve.sh: $v must be a positive whole number, got '${!v}'" >&2
		exit 2
	fi
done
if [[ ! -f go.mod || ! -d cmd/feedpub ]]; then
	echo "serve.sh: run from the repository root: bash bench/serve.sh" >&2
	exit 2
fi

log() { printf '%s\n' "$*" >&2; }

# --- tools -------------------------------------------------------------------

NGINX=$(command -v nginx || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
missing=()
[[ -z $NGINX ]] && missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
if ((${#missing[@]})); then
	sudo=()
	((EUID != 0)) && sudo=(sudo)
	log "installing ${missing[*]} with apt-get"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
if ! "$NGINX" -V 2>&1 | grep -q -- --with-http_gzip_static_module; then
	echo "serve.sh: $NGINX lacks the gzip_static module" >&2
	exit 1
fi

# --- temporary folder and clean-up --------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/feedpub-bench.XXXXXX")
feedpub_pid=""
cleanup() {
	local status=$?
	if [[ -n $feedpub_pid ]] && kill -0 "$feedpub_pid" 2>/dev/null; then
		kill -TERM "$feedpub_pid" 2>/dev/null || true
		wait "$feedpub_pid" 2>/dev/null || true
	fi
	if [[ -s $tmp/nginx.pid ]]; then
		kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			[[ -s $tmp/nginx.pid ]] || break
			sleep 0.1
		done
	fi
	if [[ $KEEP == 1 ]]; then
		log "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port prints a loopback TCP port nobody listens on.
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((20000 + RANDOM % 30000))
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	echo "serve.sh: no free port found" >&2
	return 1
}

# --- feedpub and the site ----------------------------------------------------

log "building feedpub"
go build -o "$tmp/feedpub" ./cmd/feedpub

site=$tmp/site
mkdir -p "$site/articles"
feedpub_port=$(free_port)
cat >"$site/feedpub.yaml" <<EOF
title: Bench News
link: https://news.example.com/
description: Generated articles for bench/serve.sh
language: en
base_url: http://127.0.0.1:$feedpub_port/
id_date: "2026-01-01"
output: public
state: data/feedpub.db
schedule: "@every 1h"
listen: 127.0.0.1:$feedpub_port
sources:
  - name: wire
    type: text
    path: articles
feeds:
  - name: news
    sources: [wire]
    limit: 60
EOF

# write_articles N writes 60 articles of N sentences each, in paragraphs of
# up to four sentences, the same text for the same N. The words come from a
# vocabulary of made-up words of two or three syllables, which compresses
# about as well as real news text does.
write_articles() {
	rm -f "$site/articles/"*.txt
	awk -v sentences="$1" -v dir="$site/articles" 'BEGIN {
		srand(1)
		ns = split("ka lo mi ren tas vel or pu den sa tri mon gal ber is fo na " \
			"ter lu pan co rim dar es vo sil ham ne gut", syl, " ")
		n = 600
		for (i = 1; i <= n; i++) {
			k = 2 + int(rand() * 2)
			w[i] = ""
			for (j = 0; j < k; j++) w[i] = w[i] syl[int(rand() * ns) + 1]
		}
		for (a = 1; a <= 60; a++) {
			f = sprintf("%s/story-%02d.txt", dir, a)
			printf "Title: Story %d about the %s %s\n", a, w[int(rand() * n) + 1], w[int(rand() * n) + 1] > f
			printf "Date: 2026-03-%02dT%02d:%02d:00Z\n", (a % 28) + 1, a % 24, a % 60 > f
			printf "Author: Desk %d <desk%d@news.example.com>\n\n", a % 5, a % 5 > f
			line = ""
			for (s = 1; s <= sentences; s++) {
				len = 8 + int(rand() * 10)
				sent = ""
				for (i = 0; i < len; i++) sent = sent (i ? " " : "") w[int(rand() * rand() * n) + 1]
				line = line (line == "" ? "" : " ") toupper(substr(sent, 1, 1)) substr(sent, 2) "."
				if (s % 4 == 0 || s == sentences) {
					print line > f
					line = ""
				}
			}
			close(f)
		}
	}'
}

build_site() {
	rm -rf "$site/public" "$site/data"
	"$tmp/feedpub" build -config "$site/feedpub.yaml" -log-level warn >/dev/null
	stat -c %s "$site/public/news.rss"
}

target=$((TARGET_KB * 1000))
sentences=20
write_articles "$sentences"
size=$(build_site)
# Scale the sentences to the target; the size grows about linearly with them.
for _ in 1 2 3; do
	((size * 100 >= target * 97 && size * 100 <= target * 103)) && break
	sentences=$(((target * sentences + size / 2) / size))
	((sentences < 1)) && sentences=1
	write_articles "$sentences"
	size=$(build_site)
done
log "news.rss: $size bytes from 60 articles of $sentences sentences"
rm -rf "$site/public" "$site/data"

log "starting feedpub serve on 127.0.0.1:$feedpub_port"
"$tmp/feedpub" serve -config "$site/feedpub.yaml" -listen "127.0.0.1:$feedpub_port" -log-level warn \
	>"$tmp/feedpub.out" 2>"$tmp/feedpub.err" &
feedpub_pid=$!
feedpub=http://127.0.0.1:$feedpub_port
for i in $(seq 300); do
	if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$feedpub/healthz" || true) == 200 ]]; then
		break
	fi
	if ! kill -0 "$feedpub_pid" 2>/dev/null || ((i == 300)); then
		echo "serve.sh: feedpub serve did not become healthy:" >&2
		cat "$tmp/feedpub.err" >&2
		exit 1
	fi
	sleep 0.1
done

# --- nginx ---------------------------------------------------------------------

www=$tmp/www
mkdir -p "$www"
curl -sf --max-time 10 -o "$www/news.rss" -D "$tmp/identity.headers" "$feedpub/news.rss"
curl -sf --max-time 10 -H 'Accept-Encoding: gzip' -o "$www/news.rss.gz" -D "$tmp/gzip.headers" "$feedpub/news.rss"
if ! grep -qi '^content-encoding: gzip' "$tmp/gzip.headers"; then
	echo "serve.sh: feedpub sent no gzip variant" >&2
	exit 1
fi
# header NAME FILE prints the value of header NAME in a curl -D dump.
header() { grep -i "^$1:" "$2" | head -n1 | cut -d' ' -f2- | tr -d '\r'; }
cache_control=$(header Cache-Control "$tmp/identity.headers")
link=$(header Link "$tmp/identity.headers")
# The same modification time on both files, as a deploy would leave them.
touch -r "$www/news.rss" "$www/news.rss.gz"
# Workers run as an unprivileged user when nginx starts as root.
chmod 0755 "$tmp" "$www"
chmod 0644 "$www"/*

nginx_port=$(free_port)
while [[ $nginx_port == "$feedpub_port" ]]; do nginx_port=$(free_port); done
mkdir -p "$tmp/nginx"
cat >"$tmp/nginx.conf" <<EOF
# Written by bench/serve.sh; serves $www on 127.0.0.1:$nginx_port.
worker_processes auto;
daemon off;
pid $tmp/nginx.pid;
error_log $tmp/nginx.err warn;
events {
    worker_connections 4096;
}
http {
    types { application/rss+xml rss; }
    default_type application/octet-stream;
    charset utf-8;
    charset_types application/rss+xml;
    access_log off;
    sendfile on;
    tcp_nopush on;
    tcp_nodelay on;
    etag on;
    gzip off;
    gzip_static on;
    gzip_vary on;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    server_tokens off;
    client_body_temp_path $tmp/nginx/body;
    proxy_temp_path $tmp/nginx/proxy;
    fastcgi_temp_path $tmp/nginx/fastcgi;
    uwsgi_temp_path $tmp/nginx/uwsgi;
    scgi_temp_path $tmp/nginx/scgi;
    server {
        listen 127.0.0.1:$nginx_port;
        root $www;
        location / {
            add_header Cache-Control "$cache_control";
            add_header Link '$link';
            add_header X-Content-Type-Options nosniff;
        }
    }
}
EOF
log "starting nginx on 127.0.0.1:$nginx_port"
"$NGINX" -p "$tmp/nginx" -e "$tmp/nginx.err" -c "$tmp/nginx.conf" &
nginx=http://127.0.0.1:$nginx_port
for i in $(seq 100); do
	[[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$nginx/news.rss" || true) == 200 ]] && break
	if ((i == 100)); then
		echo "serve.sh: nginx did not start:" >&2
		cat "$tmp/nginx.err" >&2
		exit 1
	fi
	sleep 0.1
done

# --- checks --------------------------------------------------------------------

etag() { curl -s --max-time 5 -o /dev/null -D - "$1/news.rss" | grep -i '^etag:' | cut -d' ' -f2- | tr -d '\r'; }
declare -A etags=([nginx]=$(etag "$nginx") [feedpub]=$(etag "$feedpub"))
declare -A urls=([nginx]=$nginx [feedpub]=$feedpub)
servers=(nginx feedpub)
cases=(plain gzip 304)
declare -A label=([plain]="plain 200" [gzip]="gzip 200" [304]="conditional 304")
declare -A want=([plain]=200 [gzip]=200 [304]=304)

# case_headers CASE SERVER prints the curl/wrk header arguments of a case,
# one per line.
case_headers() {
	case $1 in
	gzip) printf '%s\n' -H 'Accept-Encoding: gzip' ;;
	304) printf '%s\n' -H "If-None-Match: ${etags[$2]}" ;;
	esac
}

for s in "${servers[@]}"; do
	[[ -n ${etags[$s]} ]] || { echo "serve.sh: $s sent no ETag" >&2; exit 1; }
	for c in "${cases[@]}"; do
		mapfile -t hdr < <(case_headers "$c" "$s")
		out=$(curl -s --max-time 5 -o "$tmp/check.body" -w '%{http_code} %{size_download}' "${hdr[@]}" "${urls[$s]}/news.rss")
		read -r code got <<<"$out"
		if [[ $code != "${want[$c]}" ]]; then
			echo "serve.sh: $s, ${label[$c]}: status $code" >&2
			exit 1
		fi
		case $c in
		plain) cmp -s "$tmp/check.body" "$www/news.rss" ;;
		gzip) cmp -s "$tmp/check.body" "$www/news.rss.gz" ;;
		304) [[ $got == 0 ]] ;;
		esac || { echo "serve.sh: $s, ${label[$c]}: unexpected body ($got bytes)" >&2; exit 1; }
	done
done
log "checked: both servers answer 200, gzip 200 and 304 with the same bodies"
log "identity $(stat -c %s "$www/news.rss") bytes, gzip $(stat -c %s "$www/news.rss.gz") bytes"

# --- load --------------------------------------------------------------------------

# run_wrk SERVER CASE prints the requests per second of one wrk run.
run_wrk() {
	local out rps
	mapfile -t hdr < <(case_headers "$2" "$1")
	out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${hdr[@]}" "${urls[$1]}/news.rss")
	if grep -qE 'Non-2xx or 3xx|Socket errors' <<<"$out"; then
		log "warning: $1, ${label[$2]}: $(grep -E 'Non-2xx or 3xx|Socket errors' <<<"$out" | tr -s ' ')"
	fi
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	[[ -n $rps ]] || { echo "serve.sh: no result from wrk:" >&2; echo "$out" >&2; exit 1; }
	echo "$rps"
}

# median prints the median of its arguments.
median() {
	printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END {
		if (NR % 2) printf "%.0f", v[(NR + 1) / 2]; else printf "%.0f", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

echo "feedpub serve against nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s per run, $ROUNDS rounds, interleaved"
declare -A results
for c in "${cases[@]}"; do
	declare -A rounds=([nginx]="" [feedpub]="")
	for r in $(seq "$ROUNDS"); do
		line="${label[$c]} round $r:"
		for s in "${servers[@]}"; do
			rps=$(run_wrk "$s" "$c")
			rounds[$s]+=" $rps"
			line+=" $s $rps"
		done
		echo "$line"
	done
	# shellcheck disable=SC2086 # the lists are meant to split
	n=$(median ${rounds[nginx]})
	# shellcheck disable=SC2086
	f=$(median ${rounds[feedpub]})
	results[$c]="${label[$c]}: nginx $n req/s, feedpub $f req/s, ratio x$(awk -v f="$f" -v n="$n" 'BEGIN { printf "%.2f", f / n }')"
	unset rounds
done
echo "medians (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
for c in "${cases[@]}"; do
	echo "${results[$c]}"
done
