# `make run`'s approvals console (sourced by hack/run.sh): a local OpenID provider with the demo
# people, trusted by the local kube-apiserver (--authentication-config), and the console.
# console_idp_start runs before the control plane starts, console_start after the install.
CONSOLE_PORT="${APPROVAL_CONSOLE_PORT:-8090}"
OIDC_PORT="${APPROVAL_OIDC_PORT:-5556}"
CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT"
OIDC_DIR="$ROOT/.local/oidc"
OIDC_AUTHN_CONFIG="$OIDC_DIR/authentication-config.json"
CONSOLE_CLIENT_SECRET=local-console-secret

console_idp_start() {
  mkdir -p "$OIDC_DIR"
  rm -f "$OIDC_AUTHN_CONFIG"
  node "$ROOT/hack/oidc-local.ts" "$OIDC_PORT" "$OIDC_DIR" "$CONSOLE_URL" "$CONSOLE_CLIENT_SECRET" >"$OIDC_DIR/idp.log" 2>&1 &
  BACKGROUND_PIDS+=($!)
  for _ in $(seq 1 100); do [ -f "$OIDC_AUTHN_CONFIG" ] && return 0; sleep 0.1; done
  echo "the local identity provider did not start; see $OIDC_DIR/idp.log" >&2
  return 1
}

console_start() {
  local server
  server="$("$KUBECTL" config view --minify -o jsonpath='{.clusters[0].cluster.server}')"
  "$KUBECTL" apply --server-side -f "$ROOT/config/samples/console-demo-rbac.yaml" >/dev/null
  APPROVAL_CONSOLE_OIDC_CLIENT_SECRET="$CONSOLE_CLIENT_SECRET" node "$ROOT/src/console/main.ts" --address 127.0.0.1 --port "$CONSOLE_PORT" --public-url "$CONSOLE_URL" \
    --oidc-issuer "https://127.0.0.1:$OIDC_PORT" --oidc-ca-file "$OIDC_DIR/ca.crt" \
    --kube-server "$server" --kube-ca-file "$ROOT/.local/cluster/pki/ca.crt" \
    --log-level warn >"$ROOT/.local/console.log" 2>&1 &
  BACKGROUND_PIDS+=($!)
  export APPROVAL_CONSOLE_URL="$CONSOLE_URL"
}

console_instructions() {
  cat <<TXT
The approvals console: $CONSOLE_URL   (the identity provider's certificate is local:
your browser asks once to accept https://127.0.0.1:$OIDC_PORT)
  alice / alice-demo   team orders (decides)
  bob   / bob-demo     team orders (decides)
  carol / carol-demo   team shop (files requests)
Console log: .local/console.log. Notifications link to it (--console-url).

TXT
}
