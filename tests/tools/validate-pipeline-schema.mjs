#!/usr/bin/env node
// Validates pipeline.toml files against the JSON Schema `taskr schema` writes
// (docs/pipeline.schema.json), as an editor would.
//
//   node tests/tools/validate-pipeline-schema.mjs SCHEMA FILE...
//
// A FILE ending in .md contributes its ```toml blocks that are whole
// pipelines: blocks whose first line that is not blank or a comment is a table
// header ([tasks.x], [[pipelines.p.links]]). Blocks that open with `key = value`
// lines are fragments of a table shown out of context (`timeout = "10m"`) and
// are skipped; so are blocks that are not TOML at all (taskr would reject them
// too), each named on a note line. An HTML comment on the line before a fence
// marks a block that is not a valid pipeline on purpose:
//   <!-- pipeline-schema: invalid -->   it shows an error: the schema must reject it
//   <!-- pipeline-schema: fragment -->  it is part of a pipeline: skipped
//   <!-- pipeline-schema: other -->     it is another file, such as .taplo.toml: skipped
// Any other FILE is one pipeline.
//
// TOML is read with smol-toml (TOML 1.0, as taskr's toml++) and the schema is
// checked by ajv's draft 2020-12 validator, both from $TASKR_TOOLS_DIR/node_modules
// (default /opt/taskr-tools), where scripts/install-deps puts tests/tools/package.json.
//
// Prints one line per schema error ("FILE[:LINE]: <instancePath> <message>"),
// then a summary: "validate-pipeline-schema: N of M pipelines valid (...)".
// Exit codes: 0 every pipeline is valid; 1 one is not, or a file is unreadable
// or not TOML; 2 bad usage, a bad schema, or the tools are not installed.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import path from 'node:path';

const MAX_ERRORS_PER_PIPELINE = 20;

function usage(message) {
  process.stderr.write(`validate-pipeline-schema: ${message}\n` +
    'usage: validate-pipeline-schema.mjs SCHEMA FILE...\n');
  process.exit(2);
}

const args = process.argv.slice(2);
if (args.some((a) => a === '-h' || a === '--help')) {
  usage('validates pipeline.toml files and the ```toml blocks of Markdown files');
}
if (args.length < 2) usage('need a schema and at least one file');
const [schemaFile, ...files] = args;

const toolsDir = path.resolve(process.env.TASKR_TOOLS_DIR || '/opt/taskr-tools');
// Resolve packages as if from a module that sits in the tools folder.
const require = createRequire(path.join(toolsDir, 'package.json'));

let Ajv2020, parseToml;
try {
  const ajv = require('ajv/dist/2020');
  Ajv2020 = ajv.default || ajv;
  parseToml = require('smol-toml').parse;
} catch (e) {
  process.stderr.write(`validate-pipeline-schema: cannot load the tools from ${toolsDir}/node_modules ` +
    `(run scripts/install-deps, or set TASKR_TOOLS_DIR): ${e.message}\n`);
  process.exit(2);
}

let validate;
try {
  // strict: unknown keywords and malformed schemas are errors, so the schema
  // taskr writes stays plain draft 2020-12; but "required" may name keys that
  // only the enclosing schema defines (oneOf: [{required: ["run"]}, ...]), and
  // subschemas need not repeat "type". Formats are annotations, as in taskr.
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false,
    strictTypes: false, allowUnionTypes: true, validateFormats: false });
  validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
} catch (e) {
  process.stderr.write(`validate-pipeline-schema: ${schemaFile}: ${e.message}\n`);
  process.exit(2);
}

// toJson turns parsed TOML into what an editor validates: dates and times
// become strings, as taskr reads them.
function toJson(value) {
  return JSON.parse(JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? Number(v) : v)));
}

// Blocks lists the ```toml blocks of Markdown text, indented ones (in lists)
// included, each with the line of its opening fence and its mark, if any.
function blocks(text) {
  const out = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^( *)```toml\s*$/.exec(lines[i]);
    if (!open) continue;
    let before = i - 1;
    while (before >= 0 && lines[before].trim() === '') before--;
    const mark = before >= 0 ? /^\s*<!--\s*pipeline-schema:\s*(\S+)\s*-->\s*$/.exec(lines[before]) : null;
    const indent = open[1];
    const body = [];
    let j = i + 1;
    for (; j < lines.length && lines[j].trimEnd() !== `${indent}\`\`\``; j++) {
      body.push(lines[j].startsWith(indent) ? lines[j].slice(indent.length) : lines[j]);
    }
    out.push({ line: i + 1, text: body.join('\n') + '\n', mark: mark ? mark[1] : '' });
    i = j;
  }
  return out;
}

function isWholePipeline(text) {
  const first = text.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  return first !== undefined && first.startsWith('[');
}

// ErrorLine renders one ajv error with what it names: the unknown key, the
// allowed values, the missing key.
function errorLine(err) {
  const p = err.params || {};
  let detail = '';
  if (p.additionalProperty !== undefined) detail = ` ('${p.additionalProperty}')`;
  else if (p.allowedValues !== undefined) detail = ` (${p.allowedValues.map((v) => JSON.stringify(v)).join(', ')})`;
  else if (p.allowedValue !== undefined) detail = ` (${JSON.stringify(p.allowedValue)})`;
  else if (p.passingSchemas !== undefined && p.passingSchemas !== null) detail = ` (matches ${p.passingSchemas.length})`;
  return `${err.instancePath || '/'} ${err.message}${detail}`;
}

// Shown errors leave out the ones that only repeat others: an if/then's "must
// match then" and the expression alternative of a plugin parameter.
function shownErrors(errors) {
  return errors.filter((e) => e.keyword !== 'if' && !e.schemaPath.startsWith('#/$defs/expression/'));
}

let failed = false;
let checked = 0;
let valid = 0;
let tomlFiles = 0;
let mdBlocks = 0;
let fragments = 0;
let notToml = 0;
let rejected = 0;
let others = 0;

// Check validates one pipeline; with `invalid`, it must fail the schema.
function check(where, text, fromMarkdown, invalid = false) {
  let doc;
  try {
    doc = toJson(parseToml(text));
  } catch (e) {
    const reason = e.message.split('\n')[0];
    if (fromMarkdown) {
      notToml++;
      process.stdout.write(`${where}: note: skipped, not TOML: ${reason}\n`);
    } else {
      failed = true;
      process.stdout.write(`${where}: not TOML: ${reason}\n`);
    }
    return;
  }
  if (invalid) {
    if (validate(doc)) {
      failed = true;
      process.stdout.write(`${where}: marked invalid, but the schema accepts it\n`);
    } else {
      rejected++;
    }
    return;
  }
  checked++;
  if (fromMarkdown) mdBlocks++; else tomlFiles++;
  if (validate(doc)) {
    valid++;
    return;
  }
  failed = true;
  const errors = shownErrors(validate.errors);
  for (const err of errors.slice(0, MAX_ERRORS_PER_PIPELINE)) {
    process.stdout.write(`${where}: ${errorLine(err)}\n`);
  }
  if (errors.length > MAX_ERRORS_PER_PIPELINE) {
    process.stdout.write(`${where}: ... ${errors.length - MAX_ERRORS_PER_PIPELINE} more errors\n`);
  }
}

for (const file of files) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    process.stdout.write(`${file}: ${e.message}\n`);
    failed = true;
    continue;
  }
  if (!file.endsWith('.md')) {
    check(file, text, false);
    continue;
  }
  for (const block of blocks(text)) {
    const where = `${file}:${block.line}`;
    if (!['', 'invalid', 'fragment', 'other'].includes(block.mark)) {
      failed = true;
      process.stdout.write(`${where}: unknown mark '${block.mark}': use invalid, fragment or other\n`);
    } else if (block.mark === 'other') {
      others++;
    } else if (block.mark === 'fragment' || !isWholePipeline(block.text)) {
      fragments++;
    } else {
      check(where, block.text, true, block.mark === 'invalid');
    }
  }
}

// Count is "1 fragment", "2 fragments".
const count = (n, noun) => `${n} ${noun}${n === 1 ? '' : 's'}`;
process.stdout.write(`validate-pipeline-schema: ${valid} of ${count(checked, 'pipeline')} valid ` +
  `(${count(tomlFiles, 'TOML file')}, ${count(mdBlocks, 'Markdown block')}); ${rejected} marked ` +
  `invalid and rejected; skipped ${count(fragments, 'fragment')}, ${count(others, 'other file')} ` +
  `and ${count(notToml, 'block')} that ${notToml === 1 ? 'is' : 'are'} not TOML\n`);
process.exit(failed ? 1 : 0);
