#!/usr/bin/env bash
# `make run`: the operator in the foreground against a cluster. With KUBECONFIG pointing at a
# reachable cluster it uses that one and starts nothing; otherwise it starts (or reuses) the
# local control plane.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="$ROOT/.local/bin/kubectl"

BACKGROUND_PIDS=()
trap 'kill "${BACKGROUND_PIDS[@]}" 2>/dev/null' EXIT
# shellcheck source=hack/console-local.sh
source "$ROOT/hack/console-local.sh"
LOCAL_CONSOLE=false
if [ -n "${KUBECONFIG:-}" ] && [ "$KUBECONFIG" != "$ROOT/.local/kubeconfig" ] && "$KUBECTL" get --raw /readyz >/dev/null 2>&1; then
  echo "using the cluster of KUBECONFIG=$KUBECONFIG (no local console: its API server does not trust the local identity provider)"
else
  console_idp_start
  node "$ROOT/hack/cluster.ts" up --authentication-config "$OIDC_AUTHN_CONFIG" >/dev/null
  export KUBECONFIG="$ROOT/.local/kubeconfig"
  LOCAL_CONSOLE=true
fi

bash "$ROOT/hack/install.sh"
"$KUBECTL" apply --server-side -f "$ROOT/config/samples/demo-rbac.yaml" >/dev/null
WEBHOOK_PORT="${APPROVAL_WEBHOOK_PORT:-9443}"
# Without an SMTP server of your own, mails go to a local sink that writes them to .local/mail/.
if [ -z "${APPROVAL_SMTP_URL:-}" ]; then
  node "$ROOT/hack/mail-sink.ts" 2525 "$ROOT/.local/mail" &
  BACKGROUND_PIDS+=($!)
  export APPROVAL_SMTP_URL=smtp://127.0.0.1:2525 APPROVAL_MAIL_FROM="${APPROVAL_MAIL_FROM:-approvals@localhost}"
fi
node "$ROOT/hack/webhook-local.ts" "$WEBHOOK_PORT" "$ROOT/.local/webhook"
# Callbacks and webhooks of local tries go to receivers on this machine: allow loopback and plain
# http explicitly (the operator refuses both by default). The API server stays refused.
export APPROVAL_ALLOW_OUTBOUND="${APPROVAL_ALLOW_OUTBOUND-127.0.0.1,::1}"
export APPROVAL_ALLOW_INSECURE_HTTP="${APPROVAL_ALLOW_INSECURE_HTTP-true}"
if [ "$LOCAL_CONSOLE" = true ]; then console_start; fi

cat <<TXT

approval-operator is starting. In another terminal:

  export KUBECONFIG=$KUBECONFIG
  export PATH=$ROOT/.local/bin:$ROOT/bin:\$PATH
  kubectl apply -f $ROOT/config/samples/scenario-02-simple.yaml --as carol --as-group team:shop
  kubectl get approvalrequests -w

Samples for every scenario are in config/samples/. Stop with Ctrl-C.

TXT
if [ "$LOCAL_CONSOLE" = true ]; then console_instructions; fi
node "$ROOT/src/main.ts" --kubeconfig "$KUBECONFIG" --webhook-port "$WEBHOOK_PORT" --webhook-cert-dir "$ROOT/.local/webhook" "$@"
