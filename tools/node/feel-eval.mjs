// Evaluate FEEL expressions with the npm package `feelin`, one JSON object per stdin line:
//   {"expr": "...", "vars": {...}}  ->  {"value": <json>} | {"error": "<message>"}
// Used by tests/feel/test_differential.py (one process per test run).
import { createInterface } from 'node:readline';
import { evaluate } from 'feelin';

const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
for await (const line of lines) {
  if (!line.trim()) continue;
  let out;
  try {
    const { expr, vars } = JSON.parse(line);
    const result = evaluate(expr, vars ?? {});
    out = { value: result.value === undefined ? null : result.value };
    out = JSON.parse(JSON.stringify(out, (_k, v) => (typeof v === 'function' ? '<function>' : v)));
  } catch (err) {
    out = { error: String(err && err.message ? err.message : err) };
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}
