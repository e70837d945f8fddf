#!/usr/bin/env bash
# Installs what building and testing need, idempotently: Debian packages and node modules.
# Used by `npm test`, `npm run up` and .ci/run; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# command -> Debian package that provides it. Only what is missing is installed.
need_apt=()
want() { command -v "$1" >/dev/null 2>&1 || [ -x "$1" ] || need_apt+=("$2"); }
want etcd etcd-server
want etcdctl etcd-client
want dockerd docker.io
want docker-registry docker-registry
want /usr/bin/busybox busybox-static
want redis-server redis-server
want redis-cli redis-tools
want /usr/sbin/nginx nginx
want curl curl
want iptables iptables
want conntrack conntrack
want ip iproute2
want nsenter util-linux
want gcc gcc
[ -f /usr/lib/x86_64-linux-gnu/libc.a ] || [ -n "$(find /usr/lib -name libc.a -print -quit 2>/dev/null)" ] || need_apt+=(libc6-dev)
# Debian's kubernetes-client only where no kubectl exists (it conflicts with /usr/bin/kubectl).
want kubectl kubernetes-client
if [ "${#need_apt[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then echo "install-deps: need root to install ${need_apt[*]}" >&2; exit 1; fi
  echo "install-deps: apt-get install ${need_apt[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Packages must not start their own services (etcd, dockerd, redis, nginx): tinykube starts
  # what it needs itself. policy-rc.d is only ours while we install.
  policy=/usr/sbin/policy-rc.d
  ours=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' > "$policy"; chmod +x "$policy"; ours=1; fi
  trap '[ "$ours" = 1 ] && rm -f "$policy"' EXIT
  apt-get update -q >/dev/null
  apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
  [ "$ours" = 1 ] && rm -f "$policy"
  trap - EXIT
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    # Only the services of packages installed just now.
    for pkg in "${need_apt[@]}"; do
      case "$pkg" in
        etcd-server) units="etcd" ;; docker.io) units="docker.socket docker containerd" ;;
        redis-server) units="redis-server" ;; nginx) units="nginx" ;; docker-registry) units="docker-registry" ;; *) units="" ;;
      esac
      for unit in $units; do systemctl disable --now "$unit" >/dev/null 2>&1 || true; done
    done
  fi
fi

# node_modules in step with package-lock.json (npm ci only when the lock changed).
stamp=node_modules/.tinykube-lock-hash
hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$hash" ]; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$hash" > "$stamp"
fi
