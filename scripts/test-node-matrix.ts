// The runtime matrix: the unit suite and the bundle tests on each pinned Node (22 LTS, 24 LTS; see node-versions.ts).
// The machine's own Node runs the whole suite (`vitest run`); this runs the part that depends on the runtime again on
// each pinned Node, with that Node first on PATH so that every `node` the tests spawn is the same one, and with
// EXPECT_NODE_MAJOR/EXPECT_NODE_VERSION set so that tests/unit/runtime.test.ts fails if a cell ran on another Node.
//
//   npx tsx scripts/test-node-matrix.ts                 (every pinned Node: unit suite + BUNDLE_TEST_FILES)
//   npx tsx scripts/test-node-matrix.ts --unit-only     (the unit suite alone)
//   npx tsx scripts/test-node-matrix.ts --node 22       (one Node; repeatable)
//
// Prints one summary line per Node and exits 1 when any cell failed (2 for a usage error).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchNode, nodeBinaries, type NodeBinary } from './node-versions.js';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));

/** The integration test files that run on every pinned Node besides the unit suite (they must exist). */
export const BUNDLE_TEST_FILES: readonly string[] = [
  'tests/integration/esbuild-bundles.int.test.ts',
  'tests/integration/package-forms.int.test.ts',
];

export interface CellResult {
  readonly node: NodeBinary;
  readonly ok: boolean;
  readonly files: number;
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly failedFiles: readonly string[];
  readonly seconds: number;
  /** Set when vitest ended without a report (crash, signal) or exited non-zero with no failed test. */
  readonly problem?: string;
}

interface JsonReport {
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests?: number;
  testResults: Array<{ name: string; status: string }>;
}

/** Runs vitest on `node` for the unit project and `bundleFiles` (integration project); resolves to the cell's result. */
export async function runCell(node: NodeBinary, bundleFiles: readonly string[]): Promise<CellResult> {
  const scratch = mkdtempSync(join(tmpdir(), 'node-matrix-'));
  const report = join(scratch, 'report.json');
  const projects = bundleFiles.length > 0 ? ['--project', 'unit', '--project', 'integration', 'tests/unit/', ...bundleFiles] : ['--project', 'unit'];
  const args = [join(root, 'node_modules', 'vitest', 'vitest.mjs'), 'run', ...projects, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`];
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(node.bin)}${delimiter}${process.env.PATH ?? ''}`,
    // npm sets these to the Node that runs `npm test`; anything that honours them must see the pinned one.
    NODE: node.bin,
    npm_node_execpath: node.bin,
    EXPECT_NODE_MAJOR: String(node.major),
    EXPECT_NODE_VERSION: node.version,
  };
  const started = performance.now();
  try {
    process.stdout.write(`\n=== Node ${node.version}: vitest ${projects.join(' ')}\n`);
    const child = spawn(node.bin, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'] });
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((done, fail) => {
      child.once('error', fail);
      child.once('exit', (c, s) => done([c, s]));
    });
    const seconds = (performance.now() - started) / 1000;
    if (!existsSync(report)) {
      const problem = `vitest wrote no report (exit ${code ?? signal})`;
      return { node, ok: false, files: 0, passed: 0, failed: 0, skipped: 0, failedFiles: [], seconds, problem };
    }
    const json = JSON.parse(readFileSync(report, 'utf8')) as JsonReport;
    const failedFiles = json.testResults.filter((file) => file.status === 'failed').map((file) => file.name.replace(`${root}/`, ''));
    const result = {
      node,
      files: json.testResults.length,
      passed: json.numPassedTests,
      failed: json.numFailedTests,
      skipped: json.numPendingTests + (json.numTodoTests ?? 0),
      failedFiles,
      seconds,
    };
    // A listed file that vitest did not run (renamed, outside the integration project's include) is a failure too.
    const ran = new Set(json.testResults.map((file) => file.name));
    const notRun = bundleFiles.filter((file) => !ran.has(join(root, file)));
    // A non-zero exit with every test passing is still a failure (an unhandled error, a failed global setup).
    const problems = [
      ...(notRun.length > 0 ? [`did not run: ${notRun.join(', ')}`] : []),
      ...(code !== 0 && result.failed === 0 ? [`vitest exited ${code ?? signal}`] : []),
    ];
    const ok = code === 0 && result.failed === 0 && failedFiles.length === 0 && notRun.length === 0;
    return { ...result, ok, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}) };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

export function summaryLine(cell: CellResult): string {
  const verdict = cell.ok ? 'ok    ' : 'FAILED';
  const counts = `${cell.files} files, ${cell.passed} passed, ${cell.failed} failed, ${cell.skipped} skipped`;
  const extra = [cell.problem, cell.failedFiles.length > 0 ? `failing files: ${cell.failedFiles.join(', ')}` : undefined].filter(Boolean);
  return `${verdict} node ${cell.node.version}: ${counts}, ${cell.seconds.toFixed(1)} s${extra.length > 0 ? ` (${extra.join('; ')})` : ''}`;
}

async function cli(argv: readonly string[]): Promise<number> {
  let unitOnly = false;
  const majors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--unit-only') unitOnly = true;
    else if (arg === '--node' && argv[i + 1] !== undefined) majors.push(argv[++i]!);
    else {
      process.stderr.write('usage: tsx scripts/test-node-matrix.ts [--unit-only] [--node <major>]...\n');
      return 2;
    }
  }
  const matches = (node: NodeBinary, wanted: string) => wanted === String(node.major) || wanted === node.version;
  const unmatched = majors.filter((wanted) => !nodeBinaries().some((node) => matches(node, wanted)));
  if (unmatched.length > 0) {
    process.stderr.write(`no pinned Node matches --node ${unmatched.join(', ')} (pinned: ${nodeBinaries().map((n) => n.version).join(', ')})\n`);
    return 2;
  }
  const nodes = nodeBinaries().filter((node) => majors.length === 0 || majors.some((wanted) => matches(node, wanted)));
  const bundleFiles = unitOnly ? [] : BUNDLE_TEST_FILES;
  const missing = bundleFiles.filter((file) => !existsSync(join(root, file)));
  if (missing.length > 0) {
    process.stderr.write(`\n*** node matrix: bundle test file(s) missing: ${missing.join(', ')}\n*** (BUNDLE_TEST_FILES in scripts/test-node-matrix.ts lists them; --unit-only runs the unit suite alone)\n`);
    return 1;
  }
  const cells: CellResult[] = [];
  for (const node of nodes) {
    try {
      fetchNode(node.version, (line) => process.stdout.write(`${line}\n`));
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      cells.push({ node, ok: false, files: 0, passed: 0, failed: 0, skipped: 0, failedFiles: [], seconds: 0, problem });
      continue;
    }
    cells.push(await runCell(node, bundleFiles));
  }
  process.stdout.write(`\nNode matrix (unit${bundleFiles.length > 0 ? ` + ${bundleFiles.length} bundle test files` : ''}):\n`);
  for (const cell of cells) process.stdout.write(`${summaryLine(cell)}\n`);
  return cells.every((cell) => cell.ok) ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
