// Prints the plain closing line CI reads ("tests: N passed, N failed, N skipped") from
// vitest's JSON report. Skipped tests are reported as skipped, never as passed.
import { readFileSync } from "node:fs";

const file = process.argv[2];
let report;
try {
  report = JSON.parse(readFileSync(file, "utf8"));
} catch (err) {
  console.log(`tests: 0 passed, 1 failed (no vitest report at ${file}: ${err.message})`);
  process.exit(1);
}
const passed = report.numPassedTests ?? 0;
// numFailedTestSuites counts every describe block above a failed test as well, so it would
// report one failed test as three. Add only files that failed without a failed test (a file
// that did not load or a hook that threw), one each.
const brokenFiles = (report.testResults ?? []).filter(
  (f) => f.status === "failed" && !(f.assertionResults ?? []).some((t) => t.status === "failed"),
);
for (const f of brokenFiles) console.log(`FAILED FILE: ${f.name}: ${(f.message ?? "").split("\n")[0]}`);
const failed = (report.numFailedTests ?? 0) + brokenFiles.length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
if (skipped > 0) {
  for (const suite of report.testResults ?? []) {
    for (const t of suite.assertionResults ?? []) {
      if (t.status === "pending" || t.status === "skipped" || t.status === "todo")
        console.log(`SKIPPED: ${t.fullName} (${suite.name})`);
    }
  }
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
process.exit(failed > 0 || !report.success ? 1 : 0);
