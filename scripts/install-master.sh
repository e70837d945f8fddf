#!/usr/bin/env bash
# Installs and starts a tinykube master on this host (a Vagrant VM or a bare Debian host):
# etcd, the image registry, tk-apiserver, tk-scheduler and tk-controller-manager as systemd
# units that restart on failure. The same install logic (install-deps.sh) and the same daemon
# command lines (packages/hosts/src/daemon-args.ts) as the local cluster of `npm run up`.
#
#   scripts/install-master.sh --ip 192.168.56.10 [--cluster-cidr 10.244.0.0/16] [--service-cidr 10.96.0.0/16]
#                             [--token TOKEN]      # the kubelet token (generated when not given)
set -euo pipefail
cd "$(dirname "$0")/.."
ip="" cluster_cidr=10.244.0.0/16 service_cidr=10.96.0.0/16 token=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ip) ip=$2; shift 2 ;;
    --cluster-cidr) cluster_cidr=$2; shift 2 ;;
    --service-cidr) service_cidr=$2; shift 2 ;;
    --token) token=$2; shift 2 ;;
    *) echo "install-master: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$ip" ] || { echo "install-master: --ip is required (the master's address on the hosts' network)" >&2; exit 2; }
command -v systemctl >/dev/null || { echo "install-master: needs systemd" >&2; exit 1; }

bash scripts/install-deps.sh
npm run build --silent
state=/var/lib/tinykube
mkdir -p "$state"
if [ -n "$token" ]; then (umask 077; printf '%s' "$token" > "$state/kubelet-token"); fi
[ -s "$state/kubelet-token" ] || (umask 077; head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$state/kubelet-token")

hosts="node packages/hosts/dist/src/main.js"
$hosts units master --master-ip "$ip" --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr" --state-dir "$state" --token-file "$state/kubelet-token"
systemctl daemon-reload
systemctl enable --now tinykube-etcd tinykube-registry tinykube-apiserver tinykube-scheduler tinykube-controller-manager
$hosts images --registry "$ip:5000" --state-dir "$state"

node -e "require('./packages/client/dist/src').renderKubeconfig && process.stdout.write(require('./packages/client/dist/src').renderKubeconfig('http://$ip:6443'))" > "$state/kubeconfig"
echo "install-master: done. kubeconfig: $state/kubeconfig; kubelet token: $state/kubelet-token"
