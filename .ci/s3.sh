# Sourced by .ci/run: starts a throwaway S3-compatible server (versitygw,
# installed pinned by version with 'go install' when missing, outside the
# product's go.mod) for the object storage tests, and exports
# FEEDPUB_TEST_S3 naming it as http://ACCESS:SECRET@127.0.0.1:PORT. The
# server serves a temporary folder, listens on loopback only, on a port of
# its own (FEEDPUB_CI_S3PORT, default 57071, or the next free one), and is
# stopped and its folder deleted when the script that sourced this file
# exits.

VERSITYGW_VERSION=v1.8.0

s3_stop() {
  if [ -n "${FEEDPUB_CI_S3PID:-}" ]; then
    kill "$FEEDPUB_CI_S3PID" 2>/dev/null || true
    wait "$FEEDPUB_CI_S3PID" 2>/dev/null || true
    FEEDPUB_CI_S3PID=
  fi
  if [ -n "${FEEDPUB_CI_S3DIR:-}" ] && [ -d "$FEEDPUB_CI_S3DIR" ]; then
    rm -rf "$FEEDPUB_CI_S3DIR"
  fi
}

s3_start() {
  local gobin versitygw
  gobin="${GOBIN:-$(go env GOPATH)/bin}"
  versitygw="$gobin/versitygw"
  if ! { [ -x "$versitygw" ] && go version -m "$versitygw" | grep -q "mod[[:space:]]*github.com/versity/versitygw[[:space:]]*$VERSITYGW_VERSION"; }; then
    echo "installing versitygw $VERSITYGW_VERSION"
    GOFLAGS= go install "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
  fi
  FEEDPUB_CI_S3DIR=$(mktemp -d "${TMPDIR:-/tmp}/feedpub-ci-s3.XXXXXX")
  # Keep whatever EXIT trap is set already (the PostgreSQL cluster's).
  local prev
  prev=$(trap -p EXIT | sed -e "s/^trap -- '\(.*\)' EXIT\$/\1/")
  trap "s3_stop${prev:+; $prev}" EXIT
  mkdir "$FEEDPUB_CI_S3DIR/data"
  local port=${FEEDPUB_CI_S3PORT:-57071} tries=0
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1)) tries=$((tries + 1))
    [ "$tries" -lt 50 ] || { echo "no free port for versitygw"; return 1; }
  done
  local access secret
  access=feedpub-ci
  secret=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
  "$versitygw" --access "$access" --secret "$secret" --port "127.0.0.1:$port" \
    posix "$FEEDPUB_CI_S3DIR/data" >"$FEEDPUB_CI_S3DIR/server.log" 2>&1 &
  FEEDPUB_CI_S3PID=$!
  # Wait for it to answer, for a minute at most on a busy machine.
  tries=0
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    if ! kill -0 "$FEEDPUB_CI_S3PID" 2>/dev/null || [ "$tries" -ge 600 ]; then
      cat "$FEEDPUB_CI_S3DIR/server.log"; echo "versitygw did not start"; return 1
    fi
    sleep 0.1
    tries=$((tries + 1))
  done
  export FEEDPUB_TEST_S3="http://$access:$secret@127.0.0.1:$port"
  echo "versitygw $VERSITYGW_VERSION for the tests on 127.0.0.1:$port"
}
