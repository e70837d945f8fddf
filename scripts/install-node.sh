#!/usr/bin/env bash
# Installs and starts a tinykube node on this host (a Vagrant VM or a bare Debian host): its own
# dockerd (the master's registry as mirror), tk-kubelet and tk-proxy as systemd units that
# restart on failure. Same install logic and daemon command lines as `npm run up`.
#
#   scripts/install-node.sh --apiserver 192.168.56.10 --name node-1 [--node-ip 192.168.56.11]
#                           --pki DIR [--cluster-cidr ...] [--service-cidr ...]
#
# DIR is this node's bundle from the master (install-master.sh --node NAME=IP writes it to
# /etc/tinykube/pki/nodes/NAME): the cluster CA, the kubelet's client and serving certificates
# and tk-proxy's. It is installed in /etc/tinykube/pki.
set -euo pipefail
cd "$(dirname "$0")/.."
master="" name="" node_ip="" bundle="" cluster_cidr=10.244.0.0/16 service_cidr=10.96.0.0/16
while [ $# -gt 0 ]; do
  case "$1" in
    --apiserver) master=${2#http://}; master=${master%%:*}; shift 2 ;;
    --name) name=$2; shift 2 ;;
    --node-ip) node_ip=$2; shift 2 ;;
    --pki) bundle=$2; shift 2 ;;
    --cluster-cidr) cluster_cidr=$2; shift 2 ;;
    --service-cidr) service_cidr=$2; shift 2 ;;
    *) echo "install-node: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$master" ] && [ -n "$name" ] || { echo "install-node: --apiserver and --name are required" >&2; exit 2; }
[[ "$name" =~ ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$ ]] || { echo "install-node: --name must be a DNS-1123 label" >&2; exit 2; }
command -v systemctl >/dev/null || { echo "install-node: needs systemd" >&2; exit 1; }
# This host's address towards the master, unless given.
[ -n "$node_ip" ] || node_ip=$(ip -4 route get "$master" | sed -n 's/.* src \([0-9.]*\).*/\1/p')

bash scripts/install-deps.sh
npm run build --silent
state=/var/lib/tinykube
mkdir -p "$state"
pki=/etc/tinykube/pki
[ -n "$bundle" ] && [ -s "$bundle/ca.crt" ] && [ -s "$bundle/kubelet-$name.crt" ] || { echo "install-node: --pki DIR is required: this node's bundle from the master (/etc/tinykube/pki/nodes/$name)" >&2; exit 2; }
install -d -m 700 "$pki"
for f in ca.crt "kubelet-$name.crt" "kubelet-$name-serving.crt" proxy.crt; do install -m 644 "$bundle/$f" "$pki/$f"; done
for f in "kubelet-$name.key" "kubelet-$name-serving.key" proxy.key; do install -m 600 "$bundle/$f" "$pki/$f"; done

hosts="node packages/hosts/dist/src/main.js"
$hosts prepare-node --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr"
$hosts units node --master-ip "$master" --name "$name" --node-ip "$node_ip" --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr" --state-dir "$state" --pki-dir "$pki"
systemctl daemon-reload
systemctl enable --now tinykube-dockerd tinykube-kubelet tinykube-proxy
echo "install-node: $name ($node_ip) joined $master"
