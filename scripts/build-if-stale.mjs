#!/usr/bin/env node
// `npm start` builds only what changed (issue 16: every start rebuilt everything, ~20 s).
// The TypeScript packages use tsc's own incremental build (`tsc -b` checks its .tsbuildinfo
// in about a second when nothing changed). Vite has no such check: the web app is rebuilt only
// when a file it is built from is newer than the stamp the last build left in its dist folder.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stampFile = path.join(root, 'packages/web/dist/.build-stamp');
/** Everything the web app's bundle is made from. */
const webInputs = [
  'packages/web/src',
  'packages/web/index.html',
  'packages/web/vite.config.ts',
  'packages/web/package.json',
  'packages/web/public',
  'packages/protocol/src',
  'packages/sdk/src',
  'package-lock.json',
];

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/** The newest modification time under a file or folder (0 when it does not exist). */
export function newestMtime(target) {
  if (!existsSync(target)) return 0;
  const stat = statSync(target);
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = stat.mtimeMs;
  for (const entry of readdirSync(target)) {
    if (entry === 'node_modules' || entry === 'dist') continue;
    newest = Math.max(newest, newestMtime(path.join(target, entry)));
  }
  return newest;
}

function webIsFresh() {
  if (!existsSync(stampFile) || !existsSync(path.join(root, 'packages/web/dist/index.html'))) return false;
  const builtFrom = Number(readFileSync(stampFile, 'utf8'));
  if (!Number.isFinite(builtFrom)) return false;
  return webInputs.every((input) => newestMtime(path.join(root, input)) < builtFrom);
}

const started = Date.now();
run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-b', 'packages/server', 'packages/sdk']);
if (process.env.PARLEY_FORCE_BUILD !== '1' && webIsFresh()) {
  console.log(`web app up to date (packages/web/dist); checked in ${Date.now() - started} ms`);
} else {
  // The stamp holds when this build started: a file saved during the build is newer and
  // triggers the next one.
  const buildStart = Date.now();
  run('npm', ['run', 'build', '-w', '@parley/web']);
  writeFileSync(stampFile, String(buildStart));
}
