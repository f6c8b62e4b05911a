#!/usr/bin/env node
// Checks that the JSON Schema `taskr schema` writes accepts what `taskr
// validate` accepts and rejects what it rejects, key by key: every key the
// schema lists for each table, and an unknown one, is given a value of each
// TOML type in a small pipeline, which both judge.
//
//   node tests/tools/compare-pipeline-schema.mjs SCHEMA TASKR
//
// A schema cannot check everything taskr does, so a pipeline that taskr
// rejects for one of these reasons may pass the schema: a reference to a task,
// a matrix key or a plugin that is not there, and an expression that does not
// parse or names an unknown context (taskr's messages "unknown task ...",
// "in <key>: ..."). TOML dates are left out: JSON has no dates, so editors see
// them as strings, where taskr wants a string and refuses a date.
//
// Prints each disagreement, then a summary; exit codes: 0 they agree, 1 they
// do not, 2 bad usage or the tools are not installed.
import { createRequire } from 'node:module';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

const [schemaFile, taskr] = process.argv.slice(2);
if (!schemaFile || !taskr) {
  process.stderr.write('usage: compare-pipeline-schema.mjs SCHEMA TASKR\n');
  process.exit(2);
}
const toolsDir = path.resolve(process.env.TASKR_TOOLS_DIR || '/opt/taskr-tools');
const require = createRequire(path.join(toolsDir, 'package.json'));
let validate, parseToml;
try {
  const Ajv2020 = require('ajv/dist/2020').default;
  parseToml = require('smol-toml').parse;
  const ajv = new Ajv2020({ allErrors: true, strict: true, strictRequired: false,
    strictTypes: false, allowUnionTypes: true, validateFormats: false });
  validate = ajv.compile(JSON.parse(readFileSync(schemaFile, 'utf8')));
} catch (e) {
  process.stderr.write(`compare-pipeline-schema: ${e.message}\n`);
  process.exit(2);
}

// One value of each TOML type, and strings that some keys read specially.
const VALUES = ['"x"', '""', '"${{ git.sha }}"', '"10m"', '3', '-1', '101', '1.5', 'true',
  '["x"]', '[]', '[1]', '{ a = "x" }', '[{ a = "x" }]'];
// Taskr's messages for what only taskr can check.
const BEYOND_SCHEMA = [/unknown task/, /needs itself/, /unknown matrix key '.*' in exclude/,
  /unknown plugin/, /^in .*?: /];

const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
const keysOf = (s) => [...Object.keys((s && s.properties) || {}), 'unknown_key'];
const top = schema.properties;
const task = top.tasks.additionalProperties;
const pipeline = top.pipelines.additionalProperties;
const other = '[tasks.b]\nrun = "y"\n';

// Each context places KEY = VALUE in one table of a small pipeline.
const contexts = [
  ['the top level', keysOf(schema), (k, v) => `${k} = ${v}\n`],
  ['[project]', keysOf(top.project), (k, v) => `[project]\n${k} = ${v}\n`],
  ['[defaults]', keysOf(top.defaults), (k, v) => `[defaults]\n${k} = ${v}\n`],
  ['[vars]', ['X'], (k, v) => `[vars]\n${k} = ${v}\n`],
  ['[env]', ['X'], (k, v) => `[env]\n${k} = ${v}\n`],
  ['[secrets]', ['S'], (k, v) => `[secrets]\n${k} = ${v}\n`],
  ['[secrets.S]', keysOf(top.secrets.additionalProperties), (k, v) => `[secrets.S]\n${k} = ${v}\n`],
  ['[plugins]', ['p'], (k, v) => `[plugins]\n${k} = ${v}\n`],
  ['[plugins.p]', keysOf(top.plugins.additionalProperties),
    (k, v) => `[plugins.p]\n${k === 'path' ? '' : 'path = "p.so"\n'}${k} = ${v}\n`],
  ['[pipelines]', ['p'], (k, v) => `[pipelines]\n${k} = ${v}\n`],
  ['[pipelines.p]', keysOf(pipeline),
    (k, v) => `[pipelines.p]\n${k === 'tasks' ? '' : 'tasks = ["b"]\n'}${k} = ${v}\n${other}`],
  ['a pipeline input', keysOf(pipeline.properties.inputs.additionalProperties),
    (k, v) => `[pipelines.p]\ntasks = ["b"]\ninputs.i = { ${k} = ${v} }\n${other}`],
  ['a pipeline link', keysOf(pipeline.properties.links.items),
    (k, v) => `[pipelines.p]\ntasks = ["b"]\nlinks = [{ ${[['title', '"t"'], ['url', '"u"']]
      .filter(([n]) => n !== k).map(([n, d]) => `${n} = ${d}, `).join('')}${k} = ${v} }]\n${other}`],
  ['[tasks.a]', keysOf(task), (k, v) => `[tasks.a]\n${k === 'run' ? '' : 'run = "x"\n'}${k} = ${v}\n${other}`],
  ['[tasks.a] with uses', ['with'], (k, v) => `[tasks.a]\nuses = "checksum"\n${k} = ${v}\n`],
  ['[tasks.a] env', ['X'], (k, v) => `[tasks.a]\nrun = "x"\nenv = { ${k} = ${v} }\n`],
  ['[tasks.a] matrix', ['os'], (k, v) => `[tasks.a]\nrun = "x"\nmatrix = { ${k} = ${v} }\n`],
  ['[tasks.a] matrix', ['exclude'],
    (k, v) => `[tasks.a]\nrun = "x"\nmatrix = { os = ["l", "m"], ${k} = ${v} }\n`],
];

const dir = mkdtempSync(path.join(os.tmpdir(), 'taskr-schema-compare-'));
let total = 0;
let agree = 0;
let beyond = 0;
let differ = 0;
try {
  for (const [where, keys, place] of contexts) {
    for (const key of keys) {
      for (const value of VALUES) {
        const text = place(key, value);
        let doc;
        try {
          doc = JSON.parse(JSON.stringify(parseToml(text)));
        } catch {
          continue;  // a value that does not fit there in TOML (a table in an inline table)
        }
        const file = path.join(dir, `${total++}.toml`);
        writeFileSync(file, text);
        const run = spawnSync(taskr, ['-f', file, 'validate'], { encoding: 'utf8' });
        if (run.status !== 0 && run.status !== 2) {
          process.stderr.write(`compare-pipeline-schema: taskr validate exited ${run.status}: ${run.stderr}\n`);
          process.exit(2);
        }
        const byTaskr = run.status === 0;
        const bySchema = validate(doc);
        const reason = (run.stderr.split('\n')[0] || '').replace(/^.*?: error: /, '');
        if (byTaskr === bySchema) {
          agree++;
        } else if (!byTaskr && BEYOND_SCHEMA.some((re) => re.test(reason))) {
          beyond++;
        } else {
          differ++;
          const errors = bySchema ? '' : `: ${validate.errors.filter((e) => e.keyword !== 'if')
            .slice(0, 3).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`;
          process.stdout.write(`${where} ${key} = ${value}: taskr ${byTaskr ? 'accepts' : `rejects (${reason})`}, ` +
            `the schema ${bySchema ? 'accepts' : 'rejects'}${errors}\n`);
        }
      }
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(`compare-pipeline-schema: ${total} pipelines; taskr validate and the schema ` +
  `agree on ${agree}, differ on ${differ}; ${beyond} fail only taskr's checks of references ` +
  'and expressions\n');
process.exit(differ === 0 && agree > 0 ? 0 : 1);
