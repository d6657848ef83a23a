// The Node this suite runs on. Under scripts/test-node-matrix.ts the runner sets EXPECT_NODE_VERSION/EXPECT_NODE_MAJOR,
// so a matrix cell that silently ran on the machine's Node (or spawned children on it) fails here.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const packageJson = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };

function parts(version: string): number[] {
  return version.replace(/^v/, '').split('.').map(Number);
}

function atLeast(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i++) {
    const [x, y] = [a[i] ?? 0, b[i] ?? 0];
    if (x !== y) return x > y;
  }
  return true;
}

describe('runtime', () => {
  it('runs on a Node that satisfies the package engines floor', () => {
    const floor = /^>=\s*(\d+(?:\.\d+){0,2})$/.exec(packageJson.engines?.node ?? '')?.[1];
    expect(floor, `package.json engines.node is "${packageJson.engines?.node}", expected ">=X.Y"`).toBeDefined();
    // The documented floor (DESIGN: Node 20.19+) is what engines declares, not something lower.
    expect(atLeast(floor!, '20.19')).toBe(true);
    expect([atLeast('20.18.9', '20.19'), atLeast('20.19.0', '20.19'), atLeast('22.0.0', '20.19')]).toEqual([false, true, true]);
    expect(atLeast(process.versions.node, floor!), `Node ${process.versions.node} is below ${floor}`).toBe(true);
  });

  const expectedMajor = process.env.EXPECT_NODE_MAJOR;
  const expectedVersion = process.env.EXPECT_NODE_VERSION;
  it.runIf(expectedMajor !== undefined || expectedVersion !== undefined)(
    'runs on the Node the matrix runner asked for, and so do the `node` processes tests spawn',
    () => {
      if (expectedMajor !== undefined) expect(process.versions.node.split('.')[0]).toBe(expectedMajor);
      if (expectedVersion !== undefined) expect(process.versions.node).toBe(expectedVersion);
      // Children found through PATH (shebang scripts, `node` in a shell) must be the same Node.
      const child = execFileSync('node', ['-p', 'process.versions.node'], { encoding: 'utf8' }).trim();
      expect(child).toBe(process.versions.node);
    },
  );
});
