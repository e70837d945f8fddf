#!/usr/bin/env bash
# Installs and starts a tinykube node on this host (a Vagrant VM or a bare Debian host): its own
# dockerd (the master's registry as mirror), tk-kubelet and tk-proxy as systemd units that
# restart on failure. Same install logic and daemon command lines as `npm run up`.
#
#   scripts/install-node.sh --apiserver 192.168.56.10[:6443] --name node-1 [--node-ip 192.168.56.11]
#                           --token <id>.<secret> --discovery-token-ca-cert-hash sha256:<hex>
#                           [--cluster-cidr ...] [--service-cidr ...]
#
# As `kubeadm join`: the token and the CA's pin (install-master.sh prints both) let this host
# trust the master; the kubelet and tk-proxy then get their certificates (system:node:<name>,
# the kubelet's serving one, system:kube-proxy) by CertificateSigningRequests and renew them.
# Instead of the token, --pki DIR installs a bundle the master made for this node
# (install-master.sh --node NAME=IP writes it to /etc/tinykube/pki/nodes/NAME).
set -euo pipefail
cd "$(dirname "$0")/.."
master="" port=6443 name="" node_ip="" bundle="" token="" hashes=() cluster_cidr=10.244.0.0/16 service_cidr=10.96.0.0/16
while [ $# -gt 0 ]; do
  case "$1" in
    --apiserver) master=${2#https://}; [[ "$master" == *:* ]] && port=${master##*:}; master=${master%%:*}; shift 2 ;;
    --token) token=$2; shift 2 ;;
    --discovery-token-ca-cert-hash|--ca-cert-hash) hashes+=(--discovery-token-ca-cert-hash "$2"); shift 2 ;;
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
hosts="node packages/hosts/dist/src/main.js"
identity=()
if [ -n "$token" ]; then
  [ ${#hashes[@]} -gt 0 ] || { echo "install-node: --token needs --discovery-token-ca-cert-hash sha256:<hex> (printed by install-master.sh)" >&2; exit 2; }
  $hosts join --apiserver "$master:$port" --token "$token" "${hashes[@]}" --pki-dir "$pki" --bootstrap-kubeconfig /etc/tinykube/bootstrap-kubelet.kubeconfig
  identity=(--bootstrap-kubeconfig /etc/tinykube/bootstrap-kubelet.kubeconfig)
elif [ -n "$bundle" ] && [ -s "$bundle/ca.crt" ] && [ -s "$bundle/kubelet-$name.crt" ]; then
  install -d -m 700 "$pki"
  for f in ca.crt "kubelet-$name.crt" "kubelet-$name-serving.crt" proxy.crt; do install -m 644 "$bundle/$f" "$pki/$f"; done
  for f in "kubelet-$name.key" "kubelet-$name-serving.key" proxy.key; do install -m 600 "$bundle/$f" "$pki/$f"; done
else
  echo "install-node: give --token and --discovery-token-ca-cert-hash (printed by install-master.sh), or --pki DIR, this node's bundle from the master (/etc/tinykube/pki/nodes/$name)" >&2; exit 2
fi

$hosts prepare-node --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr"
$hosts units node --master-ip "$master" --name "$name" --node-ip "$node_ip" --cluster-cidr "$cluster_cidr" --service-cidr "$service_cidr" --state-dir "$state" --pki-dir "$pki" "${identity[@]}"
systemctl daemon-reload
systemctl enable --now tinykube-dockerd tinykube-kubelet tinykube-proxy
echo "install-node: $name ($node_ip) joined $master"
