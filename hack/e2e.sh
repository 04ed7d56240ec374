#!/usr/bin/env bash
# `make test-e2e`: the Helm chart on a real node (test/e2e). Where the machine cannot run one (not
# root, no cgroups, packages that cannot be installed), it says what is missing and skips: exit 0.
#   1. Debian packages (hack/node-deps.sh), the node binaries (hack/tools.sh node);
#   2. the images: pause, and the operator from the Dockerfile, twice (the upgrade's new tag);
#   3. node --test test/e2e: global-setup.ts starts the node cluster in .local/e2e-node and its
#      teardown stops it and restores the host; the trap below does it too if the run is killed.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
DIR="$ROOT/.local/e2e-node"

skip() {
  echo "# e2e skipped: this machine cannot run a Kubernetes node: $*"
  echo "# (make test-e2e needs root, cgroups, and Debian's containerd, runc, containernetworking-plugins, iptables, buildah, debootstrap)"
  exit 0
}

[ "$(id -u)" -eq 0 ] || skip "not root"
deps_error="$(bash hack/node-deps.sh 2>&1)" || skip "$deps_error"
bash hack/tools.sh node
if ! check="$(node hack/node-cluster.ts check)"; then skip "${check#missing: }"; fi
if [ -f /run/approval-operator/node/host.json ]; then
  owner="$(node -p 'JSON.parse(require("fs").readFileSync("/run/approval-operator/node/host.json", "utf8")).owner')"
  if [ "$owner" != "$DIR" ] && [ -f "$owner/node.json" ] && node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1] + "/node.json", "utf8"));
      process.exit(Object.values(s.pids).some((p) => { try { process.kill(p, 0); return true; } catch { return false; } }) ? 0 : 1)' "$owner"; then
    skip "a node cluster of $owner is running (stop it: node hack/node-cluster.ts down $owner)"
  fi
fi

VERSION="$(node -p 'require("./package.json").version')"
TAG="${APPROVAL_E2E_TAG:-$VERSION}"
UPGRADE_TAG="${APPROVAL_E2E_UPGRADE_TAG:-$VERSION-upgrade}"
started=$(date +%s)
bash hack/image.sh pause
IMAGE_TAG="$TAG" bash hack/image.sh operator
# The upgrade's image: the same build with another version label, so another image and tag.
IMAGE_TAG="$UPGRADE_TAG" IMAGE_VERSION="$UPGRADE_TAG" bash hack/image.sh operator
echo "# e2e images built in $(( $(date +%s) - started )) s"

[ "${APPROVAL_E2E_KEEP:-}" = 1 ] || trap 'node hack/node-cluster.ts down "$DIR" >/dev/null 2>&1 || true' EXIT
export APPROVAL_E2E_TAG="$TAG" APPROVAL_E2E_UPGRADE_TAG="$UPGRADE_TAG"
export APPROVAL_E2E_IMAGES=".local/images/approval-operator-$TAG.tar,.local/images/approval-operator-$UPGRADE_TAG.tar"
node --test --test-reporter=spec --test-concurrency=1 --test-timeout=900000 \
  --test-global-setup=test/e2e/global-setup.ts 'test/e2e/**/*.test.ts'
