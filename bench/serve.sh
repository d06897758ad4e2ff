#!/usr/bin/env bash
# bench/serve.sh: how fast `feedpub serve` answers, next to nginx serving the
# very same bytes. A benchmark for people, not part of CI.
#
# Usage, from the repository root:
#
#	bash bench/serve.sh
#	DURATION=10 CONNS=128 ROUNDS=7 bash bench/serve.sh
#	BASELINE=/tmp/feedpub-before bash bench/serve.sh   # before and after a change
#
# Environment:
#
#	DURATION  seconds per wrk run (default 5)
#	CONNS     wrk connections (default 64)
#	THREADS   wrk threads (default 2)
#	ROUNDS    rounds per case (default 5); the medians are over the rounds
#	TARGET_KB size the generated RSS document is brought to (default 150)
#	BASELINE  path of another feedpub binary, for example one built from the
#	          commit before a change, served from a copy of the same site and
#	          measured in the same rounds as "baseline"; several paths,
#	          separated by spaces, are measured as "baseline", "baseline2"
#	          and so on. A script that sets something up and then execs
#	          feedpub (exec env GOMAXPROCS=1 /tmp/feedpub "$@") works too.
#	KEEP      1 keeps the temporary folder and prints its path
#	OPEN_FILE_CACHE  1 gives nginx open_file_cache, so that it no longer
#	          opens, stats and closes the file for every request: the
#	          nginx a careful operator would tune, beyond the issue's
#	          plain sendfile, etag and gzip_static
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
#     checks with curl that every server answers with the expected status
#     and bytes, then runs wrk ROUNDS times against each, interleaved (nginx,
#     feedpub, nginx, feedpub, ...), so that a noisy neighbour hurts all
#     alike.
#  6. Prints each round's requests per second, with the load average at
#     its end, then per case the median of each server and the ratio
#     feedpub/nginx, and the median CPU time each server spent per request
#     (user and system time of its processes over the run, divided by the
#     requests wrk completed), and last the three ratios of each feedpub
#     side by side on one line, of requests per second and of CPU time.
#
# The servers and wrk share the machine's cores: the figures compare the
# servers under the same conditions, they are not capacity numbers. On a
# shared machine, compare only figures from the same run; CPU time per
# request suffers less from other loads than requests per second do.
#
# Every load run is bounded in time (wrk -d, under timeout) and goes only to
# 127.0.0.1. The servers are stopped when the script exits, however it exits.
set -euo pipefail

DURATION=${DURATION:-5}
CONNS=${CONNS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-5}
TARGET_KB=${TARGET_KB:-150}
BASELINE=${BASELINE:-}
KEEP=${KEEP:-0}
OPEN_FILE_CACHE=${OPEN_FILE_CACHE:-0}

source "$(dirname "$0")/lib.sh"
bench_init serve.sh
need_whole DURATION CONNS THREADS ROUNDS TARGET_KB
[[ $OPEN_FILE_CACHE == [01] ]] || fail "OPEN_FILE_CACHE must be 0 or 1, got '$OPEN_FILE_CACHE'"
read -r -a baselines <<<"$BASELINE"
for b in "${baselines[@]}"; do
	[[ -x $b ]] || fail "BASELINE $b is not an executable"
done

# --- tools -------------------------------------------------------------------

NGINX=$(command -v nginx || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx
missing=()
[[ -z $NGINX ]] && missing+=(nginx-light)
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v pgrep >/dev/null || missing+=(procps)
if ((${#missing[@]})); then
	apt_install "${missing[@]}"
	NGINX=$(command -v nginx || echo /usr/sbin/nginx)
fi
if ! "$NGINX" -V 2>&1 | grep -q -- --with-http_gzip_static_module; then
	echo "serve.sh: $NGINX lacks the gzip_static module" >&2
	exit 1
fi

# --- temporary folder and clean-up --------------------------------------------

bench_tmp feedpub-bench
# bench_cleanup stops nginx, which writes its own pid file.
bench_cleanup() {
	if [[ -s $tmp/nginx.pid ]]; then
		kill -QUIT "$(cat "$tmp/nginx.pid")" 2>/dev/null || true
		for _ in $(seq 50); do
			[[ -s $tmp/nginx.pid ]] || break
			sleep 0.1
		done
	fi
}

# free_port prints a loopback TCP port nobody listens on, below the
# ephemeral range, so that no outgoing connection (of wrk, of another
# program) takes it before the server binds it.
used_ports=" "
ephemeral_low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
((ephemeral_low > 12000)) || ephemeral_low=32768
free_port() {
	local port
	for _ in $(seq 100); do
		port=$((10000 + RANDOM % (ephemeral_low - 10000)))
		[[ $used_ports == *" $port "* ]] && continue
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
used_ports+="$feedpub_port "
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

# A baseline serves a copy of the site, ledger included, so that it renders
# the same bytes.
# baseline_name N prints the name of the Nth baseline, from 0.
baseline_name() { if (($1 == 0)); then echo baseline; else echo "baseline$(($1 + 1))"; fi; }
declare -A baseline_ports=()
for i in "${!baselines[@]}"; do
	name=$(baseline_name "$i")
	cp -r "$site" "$tmp/site-$name"
	baseline_ports[$name]=$(free_port)
	used_ports+="${baseline_ports[$name]} "
done

# start_feedpub NAME BINARY SITE PORT starts a feedpub serve and waits until
# it is healthy.
declare -A urls=()
start_feedpub() {
	local name=$1 bin=$2 dir=$3 port=$4
	log "starting $name ($bin) on 127.0.0.1:$port"
	"$bin" serve -config "$dir/feedpub.yaml" -listen "127.0.0.1:$port" -log-level warn \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	pid[$name]=$!
	urls[$name]=http://127.0.0.1:$port
	for i in $(seq 300); do
		if [[ $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${urls[$name]}/healthz" || true) == 200 ]]; then
			return
		fi
		if ! kill -0 "${pid[$name]}" 2>/dev/null || ((i == 300)); then
			echo "serve.sh: $name did not become healthy:" >&2
			cat "$tmp/$name.err" >&2
			exit 1
		fi
		sleep 0.1
	done
}

start_feedpub feedpub "$tmp/feedpub" "$site" "$feedpub_port"
servers=(nginx feedpub)
for i in "${!baselines[@]}"; do
	name=$(baseline_name "$i")
	start_feedpub "$name" "${baselines[$i]}" "$tmp/site-$name" "${baseline_ports[$name]}"
	servers+=("$name")
done

# --- nginx ---------------------------------------------------------------------

www=$tmp/www
mkdir -p "$www"
curl -sf --max-time 10 -o "$www/news.rss" -D "$tmp/identity.headers" "${urls[feedpub]}/news.rss"
curl -sf --max-time 10 -H 'Accept-Encoding: gzip' -o "$www/news.rss.gz" -D "$tmp/gzip.headers" "${urls[feedpub]}/news.rss"
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
mkdir -p "$tmp/nginx"
open_file_cache=""
if [[ $OPEN_FILE_CACHE == 1 ]]; then
	open_file_cache="open_file_cache max=64 inactive=60s; open_file_cache_valid 60s;"
fi
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
    $open_file_cache
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
urls[nginx]=http://127.0.0.1:$nginx_port
for i in $(seq 100); do
	[[ -s $tmp/nginx.pid && $(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${urls[nginx]}/news.rss" || true) == 200 ]] && break
	if ((i == 100)); then
		echo "serve.sh: nginx did not start:" >&2
		cat "$tmp/nginx.err" >&2
		exit 1
	fi
	sleep 0.1
done
nginx_master=$(cat "$tmp/nginx.pid")

# --- checks --------------------------------------------------------------------

declare -A etags=()
for s in "${servers[@]}"; do
	etags[$s]=$(curl -s --max-time 5 -o /dev/null -D - "${urls[$s]}/news.rss" | grep -i '^etag:' | cut -d' ' -f2- | tr -d '\r')
done
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
			echo "serve.sh: $s, ${label[$c]}: status $code, want ${want[$c]}" >&2
			exit 1
		fi
		case $c in
		plain) cmp -s "$tmp/check.body" "$www/news.rss" ;;
		gzip) cmp -s "$tmp/check.body" "$www/news.rss.gz" ;;
		304) [[ $got == 0 ]] ;;
		esac || { echo "serve.sh: $s, ${label[$c]}: unexpected body ($got bytes)" >&2; exit 1; }
	done
done
log "checked: ${servers[*]} answer 200, gzip 200 and 304 with the same bodies"
log "identity $(stat -c %s "$www/news.rss") bytes, gzip $(stat -c %s "$www/news.rss.gz") bytes"

# --- load --------------------------------------------------------------------------

clk_tck=$(getconf CLK_TCK)

# server_pids SERVER prints the process ids of a server.
server_pids() {
	case $1 in
	nginx) echo "$nginx_master" $(pgrep -P "$nginx_master") ;;
	*) echo "${pid[$1]}" ;;
	esac
}

# cpu_ticks PID... prints the user and system time of the processes, in
# clock ticks.
cpu_ticks() {
	local t=0 p stat f
	for p in "$@"; do
		stat=$(cat "/proc/$p/stat" 2>/dev/null) || continue
		# The fields after the command name, which may hold spaces.
		read -r -a f <<<"${stat##*) }"
		t=$((t + f[11] + f[12]))
	done
	echo "$t"
}

# run_wrk SERVER CASE prints the requests per second of one wrk run and the
# server's CPU microseconds per request.
run_wrk() {
	local out rps n t0 t1 pids hdr
	mapfile -t hdr < <(case_headers "$2" "$1")
	pids=$(server_pids "$1")
	# shellcheck disable=SC2086 # one pid a word
	t0=$(cpu_ticks $pids)
	out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" "${hdr[@]}" "${urls[$1]}/news.rss")
	# shellcheck disable=SC2086
	t1=$(cpu_ticks $pids)
	if grep -qE 'Non-2xx or 3xx|Socket errors' <<<"$out"; then
		log "warning: $1, ${label[$2]}: $(grep -E 'Non-2xx or 3xx|Socket errors' <<<"$out" | tr -s ' ')"
	fi
	rps=$(awk '/^Requests\/sec:/ { printf "%.0f", $2 }' <<<"$out")
	n=$(awk '/ requests in / { print $1 }' <<<"$out")
	if [[ -z $rps || -z $n ]]; then
		echo "serve.sh: no result from wrk:" >&2
		echo "$out" >&2
		exit 1
	fi
	echo "$rps $(awk -v t=$((t1 - t0)) -v hz="$clk_tck" -v n="$n" 'BEGIN { printf "%.1f", (n ? t * 1e6 / hz / n : 0) }')"
}

# median prints the median of its arguments as a whole number; median_dec
# with one decimal.
median() { median_fmt %.0f "$@"; }
median_dec() { median_fmt %.1f "$@"; }
median_fmt() {
	local fmt=$1
	shift
	printf '%s\n' "$@" | sort -g | awk -v fmt="$fmt" '{ v[NR] = $1 } END {
		if (NR % 2) printf fmt, v[(NR + 1) / 2]; else printf fmt, (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# ratio A B prints A/B with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

echo "feedpub serve against nginx $("$NGINX" -v 2>&1 | sed 's/.*nginx\///')$( [[ $OPEN_FILE_CACHE == 1 ]] && echo " with open_file_cache"), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "wrk: $THREADS threads, $CONNS connections, ${DURATION}s per run, $ROUNDS rounds, interleaved (${servers[*]})"
declare -A results=() cpus=() ratios=() cpuratios=()
for c in "${cases[@]}"; do
	declare -A rounds=() cpu=()
	for r in $(seq "$ROUNDS"); do
		line="${label[$c]} round $r:"
		for s in "${servers[@]}"; do
			read -r rps us < <(run_wrk "$s" "$c")
			rounds[$s]+=" $rps"
			cpu[$s]+=" $us"
			line+=" $s $rps"
		done
		echo "$line (load $(cut -d' ' -f1 /proc/loadavg))"
	done
	# shellcheck disable=SC2086 # the lists are meant to split
	n=$(median ${rounds[nginx]})
	# shellcheck disable=SC2086
	cn=$(median_dec ${cpu[nginx]})
	results[$c]="${label[$c]}: nginx $n req/s"
	cpus[$c]="${label[$c]}: nginx $cn us"
	for s in "${servers[@]:1}"; do
		# shellcheck disable=SC2086
		f=$(median ${rounds[$s]})
		# shellcheck disable=SC2086
		cf=$(median_dec ${cpu[$s]})
		results[$c]+=", $s $f req/s, ratio x$(ratio "$f" "$n")"
		ratios[$s]+="${ratios[$s]:+, }${label[$c]} x$(ratio "$f" "$n")"
		cpuratios[$s]+="${cpuratios[$s]:+, }${label[$c]} x$(ratio "$cf" "$cn")"
		cpus[$c]+=", $s $cf us, ratio x$(ratio "$cf" "$cn")"
	done
	unset rounds cpu
done
echo "medians (load average now $(cut -d' ' -f1-3 /proc/loadavg)):"
for c in "${cases[@]}"; do
	echo "${results[$c]}"
done
echo "server CPU time per request, medians:"
for c in "${cases[@]}"; do
	echo "${cpus[$c]}"
done
echo "ratios of requests per second to nginx's, side by side:"
for s in "${servers[@]:1}"; do
	echo "$s: ${ratios[$s]}"
done
echo "ratios of CPU time per request to nginx's (lower is better), side by side:"
for s in "${servers[@]:1}"; do
	echo "$s: ${cpuratios[$s]}"
done
