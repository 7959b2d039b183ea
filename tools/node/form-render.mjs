#!/usr/bin/env node
// Renders Camunda forms (.form, form-js JSON) with @bpmn-io/form-js in headless Debian Chromium, the
// library Tasklist and Camunda Modeler render them with; many forms in one browser session.
//
// Input (JSON on stdin with --stdin): {"chromium": "/usr/bin/chromium",
//   "jobs": [{"form": path, "data": {variables}, "png": path|null}]}
// Output (stdout): {"results": [{"form", "warnings": [...], "choices": {key: [values a clerk can submit]},
//   "required": [keys an empty submission is refused for], "asterisks": n, "text": rendered text,
//   "error": null|string}]}
// The page is served from disk (file://) and every non-file request is aborted.

import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const PAGE = pathToFileURL(join(here, 'form-render', 'page.html')).href;
const CHROMIUM_FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function renderAll(request) {
  const browser = await chromium.launch({
    executablePath: request.chromium || '/usr/bin/chromium', headless: true, args: CHROMIUM_FLAGS,
  });
  const results = [];
  try {
    const page = await browser.newPage({ viewport: { width: 800, height: 600 }, offline: true });
    page.setDefaultTimeout(request.timeoutMs || 60000);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(`console error: ${msg.text()}`); });
    await page.route('**/*', (route) => (
      route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(PAGE);
    await page.waitForFunction(() => window.xietongReady === true && typeof window.FormViewer === 'object');
    for (const job of request.jobs) {
      pageErrors.length = 0;
      let schema;
      try {
        schema = JSON.parse(await readFile(job.form, 'utf8'));
      } catch (err) {
        results.push({ form: job.form, warnings: [], choices: {}, required: [], text: '', error: `cannot read: ${err.message}` });
        continue;
      }
      const out = await page.evaluate(([s, d]) => window.xietongRenderForm(s, d), [schema, job.data || {}]);
      if (!out.error && job.png) {
        await page.locator('#form').screenshot({ path: job.png, animations: 'disabled' });
      }
      results.push({ form: job.form, ...out, warnings: [...out.warnings, ...pageErrors] });
    }
  } finally {
    await browser.close();
  }
  return results;
}

async function main() {
  if (process.argv[2] !== '--stdin') {
    process.stderr.write('usage: node form-render.mjs --stdin < request.json\n');
    process.exit(2);
  }
  process.stdout.write(JSON.stringify({ results: await renderAll(await readStdin()) }));
}

main().catch((err) => {
  process.stderr.write(`form-render: ${err.stack || err}\n`);
  process.exit(2);
});
