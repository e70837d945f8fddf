#!/usr/bin/env bash
# npm run down: stops everything `up` started and removes what it made.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f packages/hosts/dist/src/main.js ]; then npm run build --silent; fi
exec node packages/hosts/dist/src/main.js down "$@"
