#!/usr/bin/env bash
# Builds one of the small Go programs tests compare against (a folder under test/ holding main.go,
# go.mod and go.sum: test/clientgo-checker, test/metrics-checker), with its modules from the Go
# module proxy, into a cache folder outside the repository named by a hash of those three files,
# and reuses it when present; test/helpers/go-checker.ts computes the same name to find it.
#
# Usage: build-checker.sh <folder>     (the binary is named after the folder)
# Env:
#   KUBEGEN_<NAME>_DIR cache root, NAME the folder's name in upper case with _ for -
#                      (default ~/.cache/kubegen/<name>)
# Prints the binary's path on the last line of stdout.
set -euo pipefail

src="$(cd "${1:?usage: build-checker.sh <folder>}" && pwd)"
name="$(basename "$src")"
root_var="KUBEGEN_$(echo "$name" | tr 'a-z-' 'A-Z_')_DIR"
ROOT="${!root_var:-$HOME/.cache/kubegen/$name}"
hash="$(cat "$src/main.go" "$src/go.mod" "$src/go.sum" | sha256sum | cut -c1-16)"
dir="$ROOT/$hash"
bin="$dir/$name"

log() { echo "$name: $*" >&2; }
start=$(date +%s)
cache_hit() {
  [ -x "$bin" ] || return 1
  log "cache hit: $bin"
  echo "$bin"
}
cache_hit && exit 0

command -v go >/dev/null || { log "the Go toolchain is required to build $name (https://go.dev/dl)"; exit 1; }
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
trap 'rm -rf "$work" "$dir"/.$name.tmp.$$' EXIT
# Build from a copy, so the checkout gets no go.work or build files.
cp "$src/main.go" "$src/go.mod" "$src/go.sum" "$work/"
log "building with $(go version | awk '{print $3}') (modules from the Go module proxy)"
( cd "$work" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$dir/.$name.tmp.$$" . )
mv -f "$dir/.$name.tmp.$$" "$bin"
log "built $bin in $(( $(date +%s) - start ))s"
echo "$bin"
