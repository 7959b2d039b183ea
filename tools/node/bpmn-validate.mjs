#!/usr/bin/env node
// Independent BPMN checks for xietong, run once for many files.
//
// Usage: node bpmn-validate.mjs FILE...      (or a JSON array of paths on stdin with --stdin)
// Prints one JSON document: {"files": [{"file", "platform", "platformVersion", "lintConfig", "findings": [...]}]}
// where each finding is {"elementId", "rule", "message", "severity": "error"|"warning"}.
//
// Per file: parse with bpmn-moddle + the zeebe and modeler extensions (every import warning is a finding),
// write the model back out and parse it again (round trip), then bpmnlint with `bpmnlint:recommended`,
// `bpmnlint:correctness` and the camunda-compat config matching modeler:executionPlatformVersion, plus
// the project's own rules (`xietong/...`) for what those linters do not catch.

import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

import { BpmnModdle } from 'bpmn-moddle';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);

const zeebeSchema = require('zeebe-bpmn-moddle/resources/zeebe.json');
const modelerSchema = require('modeler-moddle/resources/modeler.json');
const { Linter } = require('bpmnlint');
const NodeResolver = require('bpmnlint/lib/resolver/node-resolver');
const camundaCompat = require('bpmnlint-plugin-camunda-compat');
const { FeelAnalyzer } = require('@bpmn-io/feel-analyzer');
const { camundaReservedNameBuiltins } = require('@camunda/feel-builtins');

// camunda-compat's `feel` rule skips root elements, so a message's correlation key is never parsed.
const feelAnalyzer = new FeelAnalyzer({ parserDialect: 'camunda', reservedNameBuiltins: camundaReservedNameBuiltins });

const PROJECT_PLATFORM = 'Camunda Cloud';
const DEFAULT_COMPAT_CONFIG = 'camunda-cloud-8-8';

function newModdle() {
  return new BpmnModdle({ zeebe: zeebeSchema, modeler: modelerSchema });
}

function finding(elementId, rule, message, severity = 'error') {
  return { elementId: elementId || null, rule, message, severity };
}

// moddle warnings carry the element being read (if any) and a message naming the XML line.
function warningFindings(warnings, rule) {
  return warnings.map((w) => {
    const el = w.element;
    const id = el && typeof el === 'object' ? el.id : null;
    return finding(id, rule, String(w.message).replace(/\s+/g, ' ').trim(), 'error');
  });
}

function compatConfigFor(version) {
  const m = /^(\d+)\.(\d+)/.exec(version || '');
  if (!m) {
    return null;
  }
  const name = `camunda-cloud-${m[1]}-${m[2]}`;
  return name in (camundaCompat.configs || {}) ? name : null;
}

function platformFindings(definitions) {
  const out = [];
  const platform = definitions.get('modeler:executionPlatform');
  const version = definitions.get('modeler:executionPlatformVersion');
  if (platform !== PROJECT_PLATFORM) {
    out.push(finding(definitions.id, 'xietong/execution-platform',
      `modeler:executionPlatform is ${JSON.stringify(platform ?? null)}, expected "${PROJECT_PLATFORM}"`));
  }
  if (!version) {
    out.push(finding(definitions.id, 'xietong/execution-platform-version',
      'modeler:executionPlatformVersion is missing'));
  } else if (!compatConfigFor(version)) {
    out.push(finding(definitions.id, 'xietong/execution-platform-version',
      `modeler:executionPlatformVersion ${JSON.stringify(version)} has no camunda-compat lint config`));
  }
  return out;
}

// ---- the project's own rules -------------------------------------------------------------------

function* walk(element, seen = new Set()) {
  if (!element || typeof element !== 'object' || seen.has(element)) {
    return;
  }
  seen.add(element);
  if (element.$type) {
    yield element;
  }
  const descriptor = element.$descriptor;
  if (!descriptor) {
    return;
  }
  for (const prop of descriptor.properties) {
    if (prop.isReference || prop.isAttr && !prop.isMany) {
      continue;
    }
    const value = element.get(prop.name);
    if (Array.isArray(value)) {
      for (const child of value) {
        yield* walk(child, seen);
      }
    } else if (value && typeof value === 'object' && value.$type) {
      yield* walk(value, seen);
    }
  }
}

function isA(element, type) {
  return typeof element.$instanceOf === 'function' && element.$instanceOf(type);
}

function ownerId(element) {
  let cur = element;
  while (cur) {
    if (cur.id && !cur.$type.startsWith('zeebe:')) {
      return cur.id;
    }
    cur = cur.$parent;
  }
  return null;
}

// Zeebe reads an expression only if it starts with '='; without it a condition is a constant string and the
// gateway fails at run time (bpmnlint does not notice).
function projectRuleFindings(definitions) {
  const out = [];
  for (const el of walk(definitions)) {
    if (isA(el, 'bpmn:SequenceFlow') && el.conditionExpression) {
      const body = (el.conditionExpression.body || '').trim();
      if (!body.startsWith('=')) {
        out.push(finding(el.id, 'xietong/feel-condition-prefix',
          `condition ${JSON.stringify(body)} must be a FEEL expression starting with '='`));
      }
    }
    if (isA(el, 'zeebe:Subscription')) {
      const key = (el.correlationKey || '').trim();
      if (key && !key.startsWith('=')) {
        out.push(finding(ownerId(el), 'xietong/feel-correlation-key-prefix',
          `correlationKey ${JSON.stringify(key)} must be a FEEL expression starting with '='`));
      } else if (key && !feelAnalyzer.analyzeExpression(key.substring(1)).valid) {
        out.push(finding(ownerId(el), 'xietong/feel-correlation-key',
          `correlationKey ${JSON.stringify(key)} is not a valid FEEL expression`));
      }
    }
    if (isA(el, 'zeebe:LoopCharacteristics')) {
      const coll = (el.inputCollection || '').trim();
      if (coll && !coll.startsWith('=')) {
        out.push(finding(ownerId(el), 'xietong/feel-input-collection-prefix',
          `inputCollection ${JSON.stringify(coll)} must be a FEEL expression starting with '='`));
      }
    }
  }
  return out;
}

// ---- bpmnlint ------------------------------------------------------------------------------------

// A fresh Linter for every file: rule instances keep state between lint() calls (no-duplicate-sequence-flows
// would otherwise report the flows of the previous file as duplicates). Modules stay cached by require.
function newLinter(compatConfig) {
  const resolver = new NodeResolver({ require: createRequire(`${here}/package.json`) });
  return new Linter({
    resolver,
    config: {
      extends: [
        'bpmnlint:recommended',
        'bpmnlint:correctness',
        `plugin:camunda-compat/${compatConfig}`,
      ],
    },
  });
}

function lintFindings(results) {
  const out = [];
  for (const [rule, reports] of Object.entries(results)) {
    for (const r of reports) {
      if (r.category === 'off' || r.category === 'info') {
        continue;
      }
      const severity = r.category === 'warn' ? 'warning' : 'error';
      const path = Array.isArray(r.path) && r.path.length ? ` (at ${r.path.join('.')})` : '';
      // a rule that crashed (usually on a model broken in another way) is an error, without the stack
      const message = r.category === 'rule-error'
        ? `rule crashed: ${String(r.message).split('\n')[0].replace(/rule <[^>]*> failed with error:\s*/, '')}`
        : `${r.message}${path}`;
      out.push(finding(r.id, rule, message, severity));
    }
  }
  return out;
}

// ---- one file --------------------------------------------------------------------------------------

async function parse(xml) {
  return newModdle().fromXML(xml, 'bpmn:Definitions');
}

async function checkFile(file) {
  const result = { file, platform: null, platformVersion: null, lintConfig: null, findings: [] };
  let xml;
  try {
    xml = await readFile(file, 'utf8');
  } catch (err) {
    result.findings.push(finding(null, 'xietong/read', `cannot read file: ${err.message}`));
    return result;
  }

  let parsed;
  try {
    parsed = await parse(xml);
  } catch (err) {
    result.findings.push(finding(null, 'moddle/parse', String(err.message).replace(/\s+/g, ' ')));
    return result;
  }
  const definitions = parsed.rootElement;
  result.findings.push(...warningFindings(parsed.warnings, 'moddle/import-warning'));

  // Round trip: what moddle writes must read back without warnings and with the same elements.
  try {
    const { xml: written } = await definitions.$model.toXML(definitions, { format: true });
    const again = await parse(written);
    result.findings.push(...warningFindings(again.warnings, 'moddle/round-trip'));
    const before = Object.keys(parsed.elementsById).sort();
    const after = new Set(Object.keys(again.elementsById));
    const lost = before.filter((id) => !after.has(id));
    if (lost.length) {
      result.findings.push(finding(lost[0], 'moddle/round-trip',
        `elements lost when written and read again: ${lost.slice(0, 10).join(', ')}`));
    }
    // Writing the re-read model must give the same text: anything moddle keeps only once (an attribute or
    // extension element it cannot model) would be lost on a designer's first save in Modeler.
    const { xml: rewritten } = await again.rootElement.$model.toXML(again.rootElement, { format: true });
    if (rewritten !== written) {
      const a = written.split('\n');
      const b = rewritten.split('\n');
      const line = a.findIndex((text, i) => text !== b[i]);
      result.findings.push(finding(null, 'moddle/round-trip',
        `writing the model twice differs at line ${line + 1}: ${JSON.stringify(a[line])} vs ${JSON.stringify(b[line])}`));
    }
  } catch (err) {
    result.findings.push(finding(null, 'moddle/round-trip', `cannot write the model back: ${err.message}`));
  }

  result.platform = definitions.get('modeler:executionPlatform') ?? null;
  result.platformVersion = definitions.get('modeler:executionPlatformVersion') ?? null;
  result.findings.push(...platformFindings(definitions));
  result.lintConfig = compatConfigFor(result.platformVersion) || DEFAULT_COMPAT_CONFIG;

  try {
    const results = await newLinter(result.lintConfig).lint(definitions);
    result.findings.push(...lintFindings(results));
  } catch (err) {
    result.findings.push(finding(null, 'bpmnlint/crash', `bpmnlint failed: ${err.message}`));
  }
  result.findings.push(...projectRuleFindings(definitions));
  return result;
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function main() {
  const args = process.argv.slice(2);
  const files = args[0] === '--stdin' ? JSON.parse(await readStdin()) : args;
  const out = [];
  for (const file of files) {
    out.push(await checkFile(file));
  }
  process.stdout.write(JSON.stringify({ files: out }));
}

main().catch((err) => {
  process.stderr.write(`bpmn-validate: ${err.stack || err}\n`);
  process.exit(2);
});
