#!/usr/bin/env bash
# Installs and starts a tinykube master on this host (a Vagrant VM or a bare Debian host):
# etcd, the image registry, tk-apiserver, tk-scheduler and tk-controller-manager as systemd
# units that restart on failure. The same install logic (install-deps.sh) and the same daemon
# command lines (packages/hosts/src/daemon-args.ts) as the local cluster of `npm run up`.
#
#   scripts/install-master.sh --ip 192.168.56.10 [--cluster-cidr 10.244.0.0/16] [--service-cidr 10.96.0.0/16]
#                             [--node NAME=IP ...]   # nodes to issue certificates for
#
# The cluster PKI (CA, ServiceAccount key, every daemon's certificate) is made in
# /etc/tinykube/pki and kept on re-runs. As `kubeadm init`, it ends by printing the command that
# joins a node (a bootstrap token and the CA's pin). Each --node also gets a bundle of
# certificates in /etc/tinykube/pki/nodes/NAME, for install-node.sh --pki instead of the token.
set -euo pipefail
cd "$(dirname "$0")/.."
ip="" cluster_cidr=10.244.0.0/16 service_cidr=10.96.0.0/16 nodes=()
while [ $# -gt 0 ]; do
  case "$1" in
    --ip) ip=$2; shift 2 ;;
    --cluster-cidr) cluster_cidr=$2; shift 2 ;;
    --service-cidr) service_cidr=$2; shift 2 ;;
    --node) nodes+=(--node "$2"); shift 2 ;;
    *) echo "install-master: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$ip" ] || { echo "install-master: --ip is required (the master's address on the hosts' network)" >&2; exit 2; }
command -v systemctl >/dev/null || { echo "install-master: needs systemd" >&2; exit 1; }

bash scripts/install-deps.sh
npm run build --silent
state=/var/lib/tinykube
mkdir -p "$state"
pki=/etc/tinykube/pki

hosts="node packages/hosts/dist/src/main.js"
$hosts pki --pki-dir "$pki" --master-ip "$ip" --service-cidr "$service_cidr" "${nodes[@]}"
$hosts units master --master-ip "$ip" --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr" --state-dir "$state" --pki-dir "$pki"
systemctl daemon-reload
systemctl enable --now tinykube-etcd tinykube-registry tinykube-apiserver tinykube-scheduler tinykube-controller-manager
$hosts images --registry "$ip:5000" --state-dir "$state"

install -m 600 "$pki/admin.kubeconfig" "$state/kubeconfig"
# Cluster DNS (addons/dns.yaml): tk-dns behind kube-dns at the tenth Service address; the
# nodes' kubelets are pointed at it (install-node.sh). Re-running updates it.
$hosts addon dns --kubeconfig "$state/kubeconfig" --service-cidr "$service_cidr"
# The join command holds the bootstrap token: kept for root only.
(umask 077 && $hosts join-command --pki-dir "$pki" --master-ip "$ip" > "$state/join-command")
echo "install-master: done. kubeconfig (cluster admin): $state/kubeconfig"
echo "To join a node, run this on it, in a checkout of tinykube, as root (also in $state/join-command):"
echo "  sudo $(cat "$state/join-command") --name <node name>"
for dir in "$pki"/nodes/*/; do
  [ -d "$dir" ] || continue
  node=$(basename "$dir")
  echo "  or, with the certificates made for $node: copy $dir to it (e.g. scp -r $dir root@$node:/root/$node), then there:"
  echo "    sudo scripts/install-node.sh --apiserver $ip --name $node --pki /root/$node"
done
