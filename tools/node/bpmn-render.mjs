#!/usr/bin/env node
// Renders BPMN files to PNG with bpmn-js in headless Debian Chromium, many files in one browser session.
//
// Input (JSON on stdin with --stdin): {"chromium": "/usr/bin/chromium", "jobs": [{"bpmn": path, "png": path|null}],
//                                      "maxSide": 8000, "margin": 30}
// Output (stdout): {"results": [{"bpmn", "png", "warnings": [...], "elementCount", "width", "height",
//                   "overflows": [{"elementId", "message"}], "error": null|string}]}
// overflows: labels drawn inside a task, sub-process, lane or pool whose rendered text leaves the shape;
// collisions (same shape): task names whose rendered lines run into the task's type icon or markers.
// The page is served from disk (file://) and every non-file request is aborted: rendering needs no network.

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const MODDLE_EXTENSIONS = {
  zeebe: require('zeebe-bpmn-moddle/resources/zeebe.json'),
  modeler: require('modeler-moddle/resources/modeler.json'),
};
const PAGE = pathToFileURL(join(here, 'render', 'page.html')).href;

const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) {
    chunks.push(chunk);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

async function renderAll(request) {
  const userDataDir = await mkdtemp(join(tmpdir(), 'xietong-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: request.chromium || '/usr/bin/chromium',
    headless: true,
    args: CHROMIUM_FLAGS,
    viewport: { width: 800, height: 600 },
    deviceScaleFactor: 1,
    offline: true,
  });
  const results = [];
  try {
    const page = context.pages()[0] || await context.newPage();
    // generous: a large diagram on a busy 2-core machine can take a while to lay out and screenshot
    page.setDefaultTimeout(request.timeoutMs || 120000);
    const pageErrors = [];
    page.on('pageerror', (err) => pageErrors.push(`page error: ${err.message}`));
    page.on('console', (msg) => {
      if (msg.type() === 'error') {
        pageErrors.push(`console error: ${msg.text()}`);
      }
    });
    await page.route('**/*', (route) => (
      route.request().url().startsWith('file:') ? route.continue() : route.abort()));
    await page.goto(PAGE);
    await page.waitForFunction(() => window.xietongReady === true);
    await page.evaluate((extensions) => window.xietongInit(extensions), MODDLE_EXTENSIONS);
    if (pageErrors.length) {
      throw new Error(`render page failed to load: ${pageErrors.join('; ')}`);
    }
    for (const job of request.jobs) {
      pageErrors.length = 0;
      let xml;
      try {
        xml = await readFile(job.bpmn, 'utf8');
      } catch (err) {
        results.push({ ...job, warnings: [], overflows: [], collisions: [], elementCount: 0, width: 0, height: 0,
          error: `cannot read file: ${err.message}` });
        continue;
      }
      const out = await page.evaluate(
        ([text, options]) => window.xietongRender(text, options),
        [xml, { maxSide: request.maxSide || 8000, margin: request.margin ?? 30 }],
      );
      if (!out.error && job.png) {  // png null: import and measure only (the screenshot is the slow part)
        await page.setViewportSize({ width: out.width, height: out.height });
        await page.locator('#canvas').screenshot({ path: job.png, animations: 'disabled' });
      }
      results.push({ ...job, ...out, warnings: [...out.warnings, ...pageErrors] });
    }
  } finally {
    await context.close();
    await rm(userDataDir, { recursive: true, force: true });
  }
  return results;
}

async function main() {
  if (process.argv[2] !== '--stdin') {
    process.stderr.write('usage: node bpmn-render.mjs --stdin < request.json\n');
    process.exit(2);
  }
  const results = await renderAll(await readStdin());
  process.stdout.write(JSON.stringify({ results }));
}

main().catch((err) => {
  process.stderr.write(`bpmn-render: ${err.stack || err}\n`);
  process.exit(2);
});
