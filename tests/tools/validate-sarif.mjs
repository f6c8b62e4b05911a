#!/usr/bin/env node
// Validates SARIF logs against the SARIF 2.1.0 JSON schema (draft-04).
//
//   node tests/tools/validate-sarif.mjs FILE...
//
// The schema comes from @microsoft/jest-sarif and the validator is ajv-draft-04
// + ajv-formats, all resolved from $TASKR_TOOLS_DIR/node_modules (default
// /opt/taskr-tools), where scripts/install-deps puts tests/tools/package.json.
//
// Exit codes: 0 every file is valid; 1 a file is invalid or unreadable (each
// error printed as "FILE: <instancePath> <message>", at most 20 per file);
// 2 bad usage or the tools are not installed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_ERRORS_PER_FILE = 20;

function usage(message) {
  process.stderr.write(`validate-sarif: ${message}\nusage: validate-sarif.mjs FILE...\n`);
  process.exit(2);
}

const files = process.argv.slice(2);
if (files.length === 0) usage('no file given');
if (files.some((f) => f === '-h' || f === '--help')) usage('validates SARIF 2.1.0 logs');

const toolsDir = path.resolve(process.env.TASKR_TOOLS_DIR || '/opt/taskr-tools');
// Resolve packages as if from a module that sits in the tools folder.
const require = createRequire(path.join(toolsDir, 'package.json'));

let Ajv, addFormats, schema;
try {
  const draft04 = require('ajv-draft-04');
  Ajv = draft04.default || draft04;
  const formats = require('ajv-formats');
  addFormats = formats.default || formats;
  const schemaPath = path.join(
    path.dirname(require.resolve('@microsoft/jest-sarif/package.json')),
    'lib', 'schemas', 'sarif-2.1.0-rtm.5.json');
  schema = JSON.parse(readFileSync(schemaPath, 'utf8'));
} catch (e) {
  process.stderr.write(`validate-sarif: cannot load the tools from ${toolsDir}/node_modules ` +
    `(run scripts/install-deps, or set TASKR_TOOLS_DIR): ${e.message}\n`);
  process.exit(2);
}

// The schema's patterns are not valid Unicode regexps (e.g. "]?"), and it uses
// keywords strict mode would reject.
const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats(ajv);
const validate = ajv.compile(schema);

let failed = false;
for (const file of files) {
  let log;
  try {
    log = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    process.stdout.write(`${file}: ${e.message.replace(/\s+/g, ' ')}\n`);
    failed = true;
    continue;
  }
  if (validate(log)) continue;
  failed = true;
  for (const err of validate.errors.slice(0, MAX_ERRORS_PER_FILE)) {
    process.stdout.write(`${file}: ${err.instancePath || '/'} ${err.message}\n`);
  }
  if (validate.errors.length > MAX_ERRORS_PER_FILE) {
    process.stdout.write(`${file}: ... ${validate.errors.length - MAX_ERRORS_PER_FILE} more errors\n`);
  }
}
process.exit(failed ? 1 : 0);
