#!/usr/bin/env bash
# Builds the test kubelet (test/kubelet: a Go program on the kubelet's own streaming code that
# runs pods as local processes) into the control-plane asset folder that build.sh fills, as
# kubegen-test-kubelet, where findControlPlaneAssets looks for it. A stamp beside the binary holds
# a hash of the sources (every *.go, go.mod, go.sum); the binary is rebuilt when they change.
#
# Env: KUBE_VERSION, ETCD_VERSION, KUBEGEN_ENVTEST_DIR as for build.sh.
# Prints the binary's path on the last line of stdout.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
ROOT="${KUBEGEN_ENVTEST_DIR:-$HOME/.cache/kubegen/envtest}"
ASSETS="$ROOT/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION"
src="$(cd "$(dirname "${BASH_SOURCE[0]}")/../kubelet" && pwd)"
name=kubegen-test-kubelet
bin="$ASSETS/$name"
stamp="$bin.source-hash"

log() { echo "$name: $*" >&2; }
start=$(date +%s)
# Sorted file list, each file's name and bytes: the same hash test/helpers/kubelet.ts computes.
source_hash() {
  (cd "$src" && for f in $(ls *.go go.mod go.sum | LC_ALL=C sort); do printf '%s\0' "$f"; cat "$f"; done) | sha256sum | cut -c1-16
}
hash="$(source_hash)"
cache_hit() {
  [ -x "$bin" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ] || return 1
  log "cache hit: $bin"
  echo "$bin"
}
cache_hit && exit 0

command -v go >/dev/null || { log "the Go toolchain is required to build $name (https://go.dev/dl)"; exit 1; }
mkdir -p "$ASSETS"
exec 9>"$ASSETS/.$name.build.lock"
if ! flock -n 9; then
  log "another build of $bin is running; waiting for it"
  flock 9
fi
cache_hit && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work" "$ASSETS"/.$name.tmp.$$' EXIT
# Build from a copy, so the checkout gets no build files.
cp "$src"/*.go "$src/go.mod" "$src/go.sum" "$work/"
log "building with $(go version | awk '{print $3}') (modules from the Go module proxy)"
( cd "$work" && CGO_ENABLED=0 go build -mod=readonly -trimpath -ldflags "-s -w" -o "$ASSETS/.$name.tmp.$$" . )
mv -f "$ASSETS/.$name.tmp.$$" "$bin"
echo "$hash" > "$stamp"
log "built $bin in $(( $(date +%s) - start ))s"
echo "$bin"
