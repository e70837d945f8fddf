#!/usr/bin/env bash
# npm run up [-- --nodes N ...]: installs what is missing, builds, and starts the local cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "building..."
npm run build --silent
exec node packages/hosts/dist/src/main.js up "$@"
