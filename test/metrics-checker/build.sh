#!/usr/bin/env bash
# Builds the metrics checker (main.go here: Prometheus expfmt from the Go module proxy) into a
# cache folder outside the repository, named by a hash of main.go, go.mod and go.sum, and reuses
# it when present; the metrics tests compute the same name to find it.
#
# Env:
#   KUBEGEN_METRICS_CHECKER_DIR cache root (default ~/.cache/kubegen/metrics-checker)
# Prints the binary's path on the last line of stdout.
set -euo pipefail

src="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${KUBEGEN_METRICS_CHECKER_DIR:-$HOME/.cache/kubegen/metrics-checker}"
hash="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)"
dir="$ROOT/$hash"
bin="$dir/metrics-checker"

log() { echo "metrics-checker: $*" >&2; }
start=$(date +%s)
cache_hit() {
  [ -x "$bin" ] || return 1
  log "cache hit: $bin"
  echo "$bin"
}
cache_hit && exit 0

command -v go >/dev/null || { log "the Go toolchain is required to build the metrics checker (https://go.dev/dl)"; exit 1; }
mkdir -p "$dir"
# Concurrent runs take turns; the binary is built under a name private to this run and renamed
# into place, so a reader never sees half a file.
exec 9>"$dir/.build.lock"
if ! flock -n 9; then
  log "another build of $bin is running; waiting for it"
  flock 9
fi
cache_hit && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work" "$dir"/.metrics-checker.tmp.$$' EXIT
# Build from a copy, so the checkout gets no go.work or build files.
cp "$src/main.go" "$src/go.mod" "$src/go.sum" "$work/"
log "building with $(go version | awk '{print $3}') (prometheus/common from the Go module proxy)"
( cd "$work" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$dir/.metrics-checker.tmp.$$" . )
mv -f "$dir/.metrics-checker.tmp.$$" "$bin"
log "built $bin in $(( $(date +%s) - start ))s"
echo "$bin"
