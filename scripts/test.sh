#!/usr/bin/env bash
# npm test: installs what the tests need, builds, then runs unit, integration and end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
npm run build --silent
if [ "${1:-all}" = all ]; then npx eslint . ; fi
unit=(packages/*/dist/test/*.test.js)
integration=(test/dist/integration/*.test.js)
e2e=()
if compgen -G "test/dist/e2e/*.test.js" > /dev/null; then e2e=(test/dist/e2e/*.test.js); fi
case "${1:-all}" in
  unit) files=("${unit[@]}") ;;
  integration) files=("${integration[@]}") ;;
  e2e) files=("${e2e[@]}") ;;
  *) files=("${unit[@]}" "${integration[@]}" "${e2e[@]}") ;;
esac
# One file at a time: end-to-end files each bring up their own cluster.
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
