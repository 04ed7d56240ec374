#!/usr/bin/env bash
# What a local node (hack/node-cluster.ts) and `make image` (hack/image.sh) need from Debian:
# containerd, runc, the CNI plugins, iptables, conntrack and nfacct, buildah and debootstrap, gcc with a
# static libc (the pause image). Installed with apt-get when this runs as root and one is missing;
# otherwise it names what is missing and exits 1.
set -euo pipefail
# command → Debian package
declare -A PACKAGES=(
  [containerd]=containerd [ctr]=containerd [runc]=runc [/usr/lib/cni/bridge]=containernetworking-plugins
  [iptables]=iptables [conntrack]=conntrack [nfacct]=nfacct [buildah]=buildah [debootstrap]=debootstrap
  [gcc]=gcc [/usr/lib/x86_64-linux-gnu/libc.a]=libc6-dev
)
missing=()
for tool in "${!PACKAGES[@]}"; do
  if [[ "$tool" == /* ]]; then [ -e "$tool" ] || missing+=("${PACKAGES[$tool]}")
  else command -v "$tool" >/dev/null || missing+=("${PACKAGES[$tool]}"); fi
done
[ "${#missing[@]}" -eq 0 ] && exit 0
mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "missing Debian packages: ${missing[*]} (apt-get install needs root on Debian)" >&2
  exit 1
fi
echo "[node-deps] apt-get install ${missing[*]}" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
