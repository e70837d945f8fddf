#!/usr/bin/env node
// The tk-dns command: its built main, or what to run before the build (scripts/run-built.js).
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('../../../scripts/run-built.js')(__dirname, 'tk-dns');
