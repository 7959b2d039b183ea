#!/usr/bin/env node
// Validates Camunda Modeler element templates (Zeebe flavour) against the pinned
// @camunda/zeebe-element-templates-json-schema with ajv, many files in one process.
//
// Usage: node element-templates-validate.mjs FILE...   (or a JSON array of paths on stdin with --stdin)
// Prints {"files": [{"file", "templates": [{"id", "version"}], "errors": [{"templateId", "pointer", "message"}]}]}
// Each file holds one template or an array of templates. Schema messages are replaced by the friendlier ones the
// package ships (error-messages.json, the same text Modeler shows). Beyond the schema, a template id+version
// may appear only once across all files given (Modeler would silently pick one).

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Ajv = require('ajv');
const schema = require('@camunda/zeebe-element-templates-json-schema/resources/schema.json');
const friendly = require('@camunda/zeebe-element-templates-json-schema/resources/error-messages.json');

const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
ajv.addSchema(schema);
const validateTemplate = ajv.getSchema(`${schema.$id}#/definitions/template`);

// error-messages.json: schema paths from the root -> the message Modeler shows (a string, or one per keyword)
const friendlyEntries = friendly.map((e) => ({ path: `/${e.path.join('/')}`, message: e.errorMessage }));

// ajv writes schema paths relative to the $ref'd sub-schema, so match them as suffixes of the root paths
// and use the friendly text only when that match is unambiguous.
function messageFor(err) {
  const base = err.schemaPath.slice(1, err.schemaPath.lastIndexOf('/'));
  const texts = new Set();
  for (const entry of friendlyEntries) {
    if (base && entry.path.endsWith(base)) {
      const text = typeof entry.message === 'string' ? entry.message : entry.message[err.keyword];
      if (text) {
        texts.add(text);
      }
    }
  }
  if (texts.size === 1) {
    // ajv-errors style placeholder: ${0} is the offending value
    return [...texts][0].replace(/\$\{0\}/g, typeof err.data === 'string' ? err.data : JSON.stringify(err.data));
  }
  if (err.keyword === 'enum') {
    return `${err.message}: ${err.params.allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
  }
  if (err.keyword === 'additionalProperties') {
    return `${err.message}: ${JSON.stringify(err.params.additionalProperty)}`;
  }
  return err.message;
}

// ajv reports the failing branch of every if/then and the wrapper keywords too; keep the informative ones once.
function templateErrors(template, index, isArray) {
  if (validateTemplate(template)) {
    return [];
  }
  const prefix = isArray ? `/${index}` : '';
  const seen = new Set();
  const out = [];
  for (const err of validateTemplate.errors) {
    if (err.keyword === 'if' || err.keyword === 'allOf' || err.keyword === 'oneOf' && validateTemplate.errors.length > 1) {
      continue;
    }
    const pointer = `${prefix}${err.instancePath}`;
    const message = messageFor(err);
    const key = `${pointer} ${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      out.push({ templateId: template && template.id || null, pointer, message });
    }
  }
  return out;
}

async function checkFile(file, seenIds) {
  const result = { file, templates: [], errors: [] };
  let data;
  try {
    data = JSON.parse(await readFile(file, 'utf8'));
  } catch (err) {
    result.errors.push({ templateId: null, pointer: '', message: `cannot read JSON: ${err.message}` });
    return result;
  }
  const isArray = Array.isArray(data);
  const templates = isArray ? data : [data];
  templates.forEach((template, index) => {
    result.errors.push(...templateErrors(template, index, isArray));
    if (template && typeof template === 'object' && template.id) {
      result.templates.push({ id: template.id, version: template.version ?? null });
      const key = `${template.id}@${template.version ?? ''}`;
      if (seenIds.has(key)) {
        result.errors.push({ templateId: template.id, pointer: isArray ? `/${index}/id` : '/id',
          message: `template ${key} is also defined in ${seenIds.get(key)}` });
      } else {
        seenIds.set(key, file);
      }
    }
  });
  return result;
}

async function main() {
  const args = process.argv.slice(2);
  let files = args;
  if (args[0] === '--stdin') {
    const chunks = [];
    for await (const chunk of process.stdin) {
      chunks.push(chunk);
    }
    files = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  }
  const seenIds = new Map();
  const out = [];
  for (const file of files) {
    out.push(await checkFile(file, seenIds));
  }
  process.stdout.write(JSON.stringify({ files: out }));
}

main().catch((err) => {
  process.stderr.write(`element-templates-validate: ${err.stack || err}\n`);
  process.exit(2);
});
