# bench/lib.sh: what the benchmark scripts share. Sourced, not run:
#
#	source "$(dirname "$0")/lib.sh"
#	bench_init build.sh
#
# bench_init NAME   checks that the script runs from the repository root and
#                   names the script in messages
# log MSG...        writes a line to stderr
# fail MSG...       writes "NAME: MSG" to stderr and exits 2
# need_whole VAR... exits 2 unless every VAR is a positive whole number
# apt_install PKG...  installs Debian packages, with sudo when not root;
#                   apt-get update runs only when there is something to install
# bench_tmp PREFIX  makes the temporary folder $tmp and removes it on exit
#                   (kept with KEEP=1), after stopping the processes whose
#                   ids are the values of the array pid, and after running
#                   the function bench_cleanup when the script defines one

BENCH_NAME=bench

bench_init() {
	BENCH_NAME=$1
	if [[ ! -f go.mod || ! -d cmd/feedpub ]]; then
		fail "run from the repository root: bash bench/$BENCH_NAME"
	fi
}

log() { printf '%s\n' "$*" >&2; }

fail() {
	printf '%s: %s\n' "$BENCH_NAME" "$*" >&2
	exit 2
}

need_whole() {
	local v
	for v in "$@"; do
		[[ ${!v} =~ ^[1-9][0-9]*$ ]] || fail "$v must be a positive whole number, got '${!v}'"
	done
}

apt_install() {
	(($#)) || return 0
	local sudo=()
	((EUID != 0)) && sudo=(sudo)
	log "installing $* with apt-get"
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "$@" >&2
}

declare -A pid=()

bench_tmp() {
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
	trap bench_exit EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
}

bench_exit() {
	local status=$? p
	for p in "${pid[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${pid[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	if declare -F bench_cleanup >/dev/null; then
		bench_cleanup || true
	fi
	if [[ ${KEEP:-0} == 1 ]]; then
		log "kept $tmp"
	else
		rm -rf "$tmp"
	fi
	exit "$status"
}
