#!/usr/bin/env bash
# `make install`: CRDs (and RBAC, once it exists) into the cluster of the current KUBECONFIG.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="$ROOT/.local/bin/kubectl"
"$KUBECTL" apply --server-side --force-conflicts -f "$ROOT/config/crd/" >/dev/null
if compgen -G "$ROOT/config/rbac/*.yaml" >/dev/null; then
  "$KUBECTL" apply --server-side --force-conflicts -f "$ROOT/config/rbac/" >/dev/null
fi
"$KUBECTL" wait --for=condition=Established --timeout=60s -f "$ROOT/config/crd/" >/dev/null
echo "CRDs installed: $("$KUBECTL" get crd -o name | grep -c 'cp.ei.telekom.de')"
