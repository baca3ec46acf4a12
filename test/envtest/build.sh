#!/usr/bin/env bash
# Builds the real control-plane binaries (kube-apiserver, etcd and, with
# KUBEGEN_WITH_KCM=1, kube-controller-manager; with KUBEGEN_WITH_KUBECTL=1,
# kubectl for the benchmarks) from Go modules into a per-version cache folder
# outside the repository, and reuses them when present.
#
# Env:
#   KUBE_VERSION        Kubernetes release to build (default below)
#   ETCD_VERSION        etcd release to build (default below)
#   KUBEGEN_ENVTEST_DIR cache root (default ~/.cache/kubegen/envtest)
#   KUBEGEN_WITH_KCM    1 to also build kube-controller-manager
#   KUBEGEN_WITH_KUBECTL 1 to also build kubectl
# Prints the asset folder on the last line of stdout.
set -euo pipefail

KUBE_VERSION="${KUBE_VERSION:-v1.36.3}"
ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
ROOT="${KUBEGEN_ENVTEST_DIR:-$HOME/.cache/kubegen/envtest}"
ASSETS="$ROOT/k8s-$KUBE_VERSION-etcd-$ETCD_VERSION"
WITH_KCM="${KUBEGEN_WITH_KCM:-0}"
WITH_KUBECTL="${KUBEGEN_WITH_KUBECTL:-0}"

log() { echo "envtest: $*" >&2; }
start=$(date +%s)

need=(kube-apiserver etcd)
[ "$WITH_KCM" = 1 ] && need+=(kube-controller-manager)
[ "$WITH_KUBECTL" = 1 ] && need+=(kubectl)
find_missing() {
  missing=()
  for b in "${need[@]}"; do [ -x "$ASSETS/$b" ] || missing+=("$b"); done
}
cache_hit() {
  find_missing
  [ ${#missing[@]} -eq 0 ] || return 1
  log "cache hit: ${need[*]} in $ASSETS"
  echo "$ASSETS"
}
cache_hit && exit 0

command -v go >/dev/null || { log "the Go toolchain is required to build ${missing[*]} (https://go.dev/dl)"; exit 1; }
mkdir -p "$ASSETS"
# Two runs at once (make setup while CI runs) take turns: the second waits for
# the first, then finds its binaries. Each binary is built under a name private
# to this run and renamed into place, so a reader never sees half a file.
exec 9>"$ASSETS/.build.lock"
if ! flock -n 9; then
  log "another build of $ASSETS is running; waiting for it"
  flock 9
fi
cache_hit && exit 0
work="$(mktemp -d)"
trap 'rm -rf "$work" "$ASSETS"/.*.tmp.$$' EXIT

staging_version="v0${KUBE_VERSION#v1}"   # v1.36.3 -> v0.36.3
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"

build_kube() {
  local mod="$work/kube"
  mkdir -p "$mod"
  log "resolving k8s.io/kubernetes@$KUBE_VERSION (staging modules at $staging_version)"
  ( cd "$mod"
    go mod init kubegen.local/envtest-kube >/dev/null 2>&1
    go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" > dl.json
    gomod="$(sed -n 's/.*"GoMod": "\(.*\)".*/\1/p' dl.json)"
    # Every k8s.io/* module that kubernetes requires at v0.0.0 is a staging
    # module; point each at its published release.
    grep -E '^\s+k8s.io/[a-z0-9-]+ v0\.0\.0$' "$gomod" | awk '{print $1}' | while read -r m; do
      go mod edit -replace "$m=$m@$staging_version"
    done
    go mod edit -require "k8s.io/kubernetes@$KUBE_VERSION"
    # the commands to build, so that tidy resolves what they import
    { printf '//go:build tools\n\npackage tools\n\nimport (\n'
      for b in "${missing[@]}"; do [ "$b" = etcd ] || printf '\t_ "k8s.io/kubernetes/cmd/%s"\n' "$b"; done
      printf ')\n'; } > tools.go
    go mod tidy >/dev/null 2>&1 || go mod tidy
    local pkg="k8s.io/component-base/version"
    local ld="-s -w -X $pkg.gitVersion=$KUBE_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
    ld="$ld -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION -X k8s.io/client-go/pkg/version.gitMajor=1 -X k8s.io/client-go/pkg/version.gitMinor=$minor"
    for b in "${missing[@]}"; do
      [ "$b" = etcd ] && continue
      log "building $b $KUBE_VERSION (first build takes several minutes)"
      CGO_ENABLED=0 go build -trimpath -ldflags "$ld" -o "$ASSETS/.$b.tmp.$$" "k8s.io/kubernetes/cmd/$b"
      mv -f "$ASSETS/.$b.tmp.$$" "$ASSETS/$b"
    done )
}

build_etcd() {
  local mod="$work/etcd"
  mkdir -p "$mod"
  log "building etcd $ETCD_VERSION"
  ( cd "$mod"
    go mod init kubegen.local/envtest-etcd >/dev/null 2>&1
    go mod download -json "go.etcd.io/etcd/server/v3@$ETCD_VERSION" > dl.json
    # etcd's server module points its sibling modules at local folders; use releases.
    for m in go.etcd.io/etcd/api/v3 go.etcd.io/etcd/client/pkg/v3 go.etcd.io/etcd/client/v3 go.etcd.io/etcd/pkg/v3; do
      go mod edit -replace "$m=$m@$ETCD_VERSION"
    done
    go mod edit -require "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    printf '//go:build tools\n\npackage tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' > tools.go
    go mod tidy >/dev/null 2>&1 || go mod tidy
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$ASSETS/.etcd.tmp.$$" go.etcd.io/etcd/server/v3
    mv -f "$ASSETS/.etcd.tmp.$$" "$ASSETS/etcd" )
}

for b in "${missing[@]}"; do
  if [ "$b" = etcd ]; then build_etcd; fi
done
for b in "${missing[@]}"; do
  if [ "$b" != etcd ]; then build_kube; break; fi
done

log "built ${missing[*]} into $ASSETS in $(( $(date +%s) - start ))s"
echo "$ASSETS"
