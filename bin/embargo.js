#!/usr/bin/env node
// The `embargo` command. It runs the built CLI, building the project once if needed.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { spawnSync } = require('node:child_process');

const root = join(__dirname, '..');
const entry = join(root, 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(entry)) {
  process.stderr.write('embargo: first run, building the project (npm run build)...\n');
  const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 2, 2] });
  if (r.status !== 0 || !existsSync(entry)) {
    process.stderr.write('embargo: build failed; run `npm run build` to see why\n');
    process.exit(1);
  }
}
require(entry);
