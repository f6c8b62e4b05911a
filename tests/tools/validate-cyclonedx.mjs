#!/usr/bin/env node
// Validates CycloneDX JSON documents against the strict JSON schema of their
// spec version, with @cyclonedx/cyclonedx-library's JsonStrictValidator.
//
//   node tests/tools/validate-cyclonedx.mjs [--spec-version 1.5] FILE...
//
// Each file is validated against the schema of the specVersion it declares;
// with --spec-version, a file that declares another version is invalid. The
// library and its optional validator dependencies (ajv, ajv-formats,
// ajv-formats-draft2019) are resolved from $TASKR_TOOLS_DIR/node_modules
// (default /opt/taskr-tools), where scripts/install-deps puts
// tests/tools/package.json.
//
// Exit codes: 0 every file is valid (one "FILE: valid CycloneDX X" line each);
// 1 a file is invalid or unreadable (each error printed as
// "FILE: <instancePath> <message>", at most 20 per file); 2 bad usage or the
// tools are not installed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_ERRORS_PER_FILE = 20;

function usage(message) {
  process.stderr.write(`validate-cyclonedx: ${message}\n` +
    'usage: validate-cyclonedx.mjs [--spec-version X.Y] FILE...\n');
  process.exit(2);
}

const args = process.argv.slice(2);
let wanted = null;
const files = [];
for (let i = 0; i < args.length; ++i) {
  if (args[i] === '-h' || args[i] === '--help') usage('validates CycloneDX JSON documents');
  if (args[i] === '--spec-version') {
    if (i + 1 >= args.length) usage('--spec-version needs a version, e.g. 1.5');
    wanted = args[++i];
    continue;
  }
  files.push(args[i]);
}
if (files.length === 0) usage('no file given');

const toolsDir = path.resolve(process.env.TASKR_TOOLS_DIR || '/opt/taskr-tools');
// Resolve packages as if from a module that sits in the tools folder.
const require = createRequire(path.join(toolsDir, 'package.json'));

let CDX;
try {
  CDX = require('@cyclonedx/cyclonedx-library');
} catch (e) {
  process.stderr.write(`validate-cyclonedx: cannot load @cyclonedx/cyclonedx-library from ` +
    `${toolsDir}/node_modules (run scripts/install-deps, or set TASKR_TOOLS_DIR): ${e.message}\n`);
  process.exit(2);
}
const known = Object.values(CDX.Spec.Version);
if (wanted !== null && !known.includes(wanted)) {
  usage(`--spec-version ${wanted} is not one of ${known.join(', ')}`);
}

function print(file, message) {
  process.stdout.write(`${file}: ${message}\n`);
}

// validateFile prints what is wrong with one file and tells whether it is valid.
async function validateFile(file) {
  let text, bom;
  try {
    text = readFileSync(file, 'utf8');
    bom = JSON.parse(text);
  } catch (e) {
    print(file, e.message.replace(/\s+/g, ' '));
    return false;
  }
  const version = bom && typeof bom === 'object' ? bom.specVersion : undefined;
  if (bom?.bomFormat !== 'CycloneDX') {
    print(file, '/bomFormat must be "CycloneDX"');
    return false;
  }
  if (!known.includes(version)) {
    print(file, `/specVersion ${JSON.stringify(version)} is not a CycloneDX version this library knows (${known.join(', ')})`);
    return false;
  }
  if (wanted !== null && version !== wanted) {
    print(file, `/specVersion is ${version}, expected ${wanted}`);
    return false;
  }
  let errors;
  try {
    errors = await new CDX.Validation.JsonStrictValidator(version).validate(text);
  } catch (e) {
    if (e instanceof CDX.Validation.MissingOptionalDependencyError) {
      process.stderr.write(`validate-cyclonedx: ${e.message} (run scripts/install-deps)\n`);
      process.exit(2);
    }
    // NotImplementedError: the library has no JSON schema for this version (1.0, 1.1).
    print(file, `cannot validate CycloneDX ${version}: ${e.message}`);
    return false;
  }
  if (errors === null) {
    print(file, `valid CycloneDX ${version}`);
    return true;
  }
  for (const err of errors.slice(0, MAX_ERRORS_PER_FILE)) {
    print(file, `${err.instancePath || '/'} ${err.message}`);
  }
  if (errors.length > MAX_ERRORS_PER_FILE) {
    print(file, `... ${errors.length - MAX_ERRORS_PER_FILE} more errors`);
  }
  return false;
}

let failed = false;
for (const file of files) {
  if (!(await validateFile(file))) failed = true;
}
process.exit(failed ? 1 : 0);
