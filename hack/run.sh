#!/usr/bin/env bash
# `make run`: the operator in the foreground against a cluster. With KUBECONFIG pointing at a
# reachable cluster it uses that one and starts nothing; otherwise it starts (or reuses) the
# local control plane.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
KUBECTL="$ROOT/.local/bin/kubectl"

BACKGROUND_PIDS=()
WEBHOOKS_REGISTERED=false
cleanup() {
  kill "${BACKGROUND_PIDS[@]}" 2>/dev/null || true
  # Webhooks that fail closed must not outlive the operator they point at.
  if [ "$WEBHOOKS_REGISTERED" = true ]; then
    "$KUBECTL" delete --ignore-not-found mutatingwebhookconfiguration/approval-operator validatingwebhookconfiguration/approval-operator >/dev/null 2>&1 || true
  fi
}
trap cleanup EXIT

# Ports: the usual ones when free, others when taken (a port you set yourself is kept, or it is an
# error naming its variable).
ports=()
for entry in APPROVAL_SMTP_SINK_PORT=2525 APPROVAL_METRICS_PORT=8080 APPROVAL_HEALTH_PORT=8081 \
  APPROVAL_WEBHOOK_PORT=9443 APPROVAL_CONSOLE_PORT=8090 APPROVAL_OIDC_PORT=5556; do
  name=${entry%%=*}
  if [ -n "${!name:-}" ]; then ports+=("$name=${!name}!"); else ports+=("$entry"); fi
done
port_exports="$(node "$ROOT/hack/free-ports.ts" "${ports[@]}")"
eval "$port_exports"

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
WEBHOOK_PORT="$APPROVAL_WEBHOOK_PORT"
# Without an SMTP server of your own, mails go to a local sink that writes them to .local/mail/.
if [ -z "${APPROVAL_SMTP_URL:-}" ]; then
  node "$ROOT/hack/mail-sink.ts" "$APPROVAL_SMTP_SINK_PORT" "$ROOT/.local/mail" &
  BACKGROUND_PIDS+=($!)
  export APPROVAL_SMTP_URL="smtp://127.0.0.1:$APPROVAL_SMTP_SINK_PORT" APPROVAL_MAIL_FROM="${APPROVAL_MAIL_FROM:-approvals@localhost}"
fi
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
# The webhook's certificate first; the webhooks are registered only once the operator listens, so
# a failed start never leaves the cluster refusing every write.
node -e "import('$ROOT/hack/webhook-local.ts').then((m) => m.localWebhookCertificates('$ROOT/.local/webhook'))"
node "$ROOT/src/main.ts" --kubeconfig "$KUBECONFIG" --webhook-port "$WEBHOOK_PORT" --webhook-cert-dir "$ROOT/.local/webhook" "$@" &
OPERATOR_PID=$!
BACKGROUND_PIDS+=("$OPERATOR_PID")
trap 'kill -TERM "$OPERATOR_PID" 2>/dev/null; wait "$OPERATOR_PID" 2>/dev/null; exit 130' INT TERM
until node -e "require('node:net').connect($WEBHOOK_PORT, '127.0.0.1').on('connect', () => process.exit(0)).on('error', () => process.exit(1))" 2>/dev/null; do
  if ! kill -0 "$OPERATOR_PID" 2>/dev/null; then wait "$OPERATOR_PID"; exit $?; fi
  sleep 0.2
done
node "$ROOT/hack/webhook-local.ts" "$WEBHOOK_PORT" "$ROOT/.local/webhook"
WEBHOOKS_REGISTERED=true
wait "$OPERATOR_PID"
