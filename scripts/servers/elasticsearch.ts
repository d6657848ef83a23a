import { execFile, execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, cpSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir, removeDir, type RestartableServer } from './process.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The node version the tests run: Elasticsearch's integration-test distribution (a real node without the bundled
 * JDK and without the module that answers `GET /`), which Maven Central serves. It runs on Java 17.
 * `ELASTICSEARCH_TEST_VERSION` picks another one (fetched on first use; 9.x needs Java 21+, see ES_JAVA_HOME below).
 */
export const DEFAULT_ELASTICSEARCH_VERSION = '8.19.21';

/**
 * The system user the node runs as when the tests run as root: Elasticsearch refuses to start as root.
 * `scripts/setup.sh` creates it; {@link startElasticsearch} also creates it when it is missing and we are root.
 */
export const ELASTICSEARCH_USER = process.env.ELASTICSEARCH_TEST_USER ?? 'ratecreator-es';

/** Options of {@link startElasticsearch}. */
export interface ElasticsearchServerOptions {
  /** @default DEFAULT_ELASTICSEARCH_VERSION, or ELASTICSEARCH_TEST_VERSION */
  readonly version?: string;
  /** Initial and maximum heap. @default { min: '256m', max: '512m' } */
  readonly heap?: { readonly min: string; readonly max: string };
  /** Extra `-E name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>;
  /** Time allowed to each start (and restart) until the cluster is yellow or green. @default 120000 */
  readonly startTimeoutMs?: number;
}

/**
 * A single Elasticsearch node on loopback, security disabled. `pid` is the server JVM's (the launcher's child), the
 * one `kill()` and `freeze()` signal; `restart()` brings it back on the same port with the same data.
 */
export interface ElasticsearchServer extends RestartableServer {
  readonly version: string;
  readonly port: number;
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /**
   * SIGSTOP to the server JVM: it keeps its sockets open and answers nothing (a frozen node). Resolves once every
   * thread is stopped: a busy JVM's threads take a moment to stop, and a request sent meanwhile could still be answered.
   */
  freeze(): Promise<void>;
  /** SIGCONT after {@link freeze}. */
  thaw(): void;
}

/** Where the distribution for `version` is unpacked (git-ignored). */
export function elasticsearchHome(version: string): string {
  return join(ROOT, '.cache', 'elasticsearch', `elasticsearch-${version}`);
}

/**
 * Fetches `org.elasticsearch.distribution.integ-test-zip:elasticsearch:<version>:zip` with Maven and unpacks it under
 * `.cache/elasticsearch/`, unless already there. The zip is unpacked beside its final place and renamed, so an
 * interrupted run never leaves a half-unpacked home that looks complete.
 */
export async function ensureElasticsearch(version: string): Promise<string> {
  const home = elasticsearchHome(version);
  if (existsSync(join(home, 'bin', 'elasticsearch'))) {
    await ensureTestAnalysisPlugin(home, version);
    return home;
  }
  const cache = dirname(home);
  const download = join(cache, 'download');
  const zip = join(download, `elasticsearch-${version}.zip`);
  if (!existsSync(zip)) {
    await run(
      'mvn',
      ['-q', '-B', '-f', join(ROOT, 'scripts', 'elasticsearch', 'pom.xml'), `-Delasticsearch.version=${version}`,
        'dependency:copy-dependencies', `-DoutputDirectory=${download}`],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    if (!existsSync(zip)) throw new Error(`Maven did not fetch the Elasticsearch ${version} distribution`);
  }
  const staging = join(cache, `.unpack-${version}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  try {
    // unzip keeps the executable bits of bin/ (the JDK's jar tool does not).
    await run('unzip', ['-q', zip, '-d', staging], { maxBuffer: 16 * 1024 * 1024 });
    renameSync(join(staging, `elasticsearch-${version}`), home);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  // The node runs as another user: it must be able to read the distribution.
  chmodSync(home, 0o755);
  await ensureTestAnalysisPlugin(home, version);
  return home;
}

/** The test-only analysis plugin (see scripts/elasticsearch/test-analysis/TestAnalysisPlugin.java). */
export const TEST_ANALYSIS_PLUGIN = 'ratecreator-test-analysis';

/**
 * Compiles scripts/elasticsearch/test-analysis against the distribution's own jars and installs it as a plugin of
 * that distribution, unless already there: the integration-test distribution lacks the analysis-common module (the
 * `edge_ngram` tokenizer and `lowercase` filter of the accounts index's mappings), and Maven Central does not serve
 * that module. Built beside its final place and renamed, like the distribution.
 */
export async function ensureTestAnalysisPlugin(home: string, version: string): Promise<void> {
  const target = join(home, 'plugins', TEST_ANALYSIS_PLUGIN);
  if (existsSync(join(target, `${TEST_ANALYSIS_PLUGIN}.jar`))) return;
  const staging = join(dirname(home), `.plugin-${version}-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  const classes = join(staging, 'classes');
  const plugin = join(staging, TEST_ANALYSIS_PLUGIN);
  mkdirSync(classes, { recursive: true });
  mkdirSync(plugin);
  try {
    const source = join(ROOT, 'scripts', 'elasticsearch', 'test-analysis', 'TestAnalysisPlugin.java');
    await run('javac', ['-nowarn', '--release', '17', '-cp', join(home, 'lib', '*'), '-d', classes, source]);
    await run('jar', ['--create', '--file', join(plugin, `${TEST_ANALYSIS_PLUGIN}.jar`), '-C', classes, '.']);
    writeFileSync(join(plugin, 'plugin-descriptor.properties'), [
      'description=Test only: the edge_ngram tokenizer and lowercase filter the integration-test distribution lacks',
      'version=1.0.0',
      `name=${TEST_ANALYSIS_PLUGIN}`,
      'classname=ratecreator.db.test.TestAnalysisPlugin',
      'java.version=17',
      `elasticsearch.version=${version}`,
      'extended.plugins=',
      'has.native.controller=false',
      '',
    ].join('\n'));
    mkdirSync(join(home, 'plugins'), { recursive: true });
    try {
      renameSync(plugin, target);
    } catch (error) {
      // Another run installed it meanwhile: theirs is the same build.
      if (!existsSync(join(target, `${TEST_ANALYSIS_PLUGIN}.jar`))) throw error;
    }
    execFileSync('chmod', ['-R', 'a+rX', target]);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/** The JDK the node runs on: ES_JAVA_HOME, else the `java` on PATH (its home, two levels above the real binary). */
function javaHome(): string {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  const java = execFileSync('sh', ['-c', 'command -v java || true'], { encoding: 'utf8' }).trim();
  if (!java) throw new Error('no java on PATH (Elasticsearch needs Java 17+; set ES_JAVA_HOME)');
  return dirname(dirname(realpathSync(java)));
}

/** True when running as root, where the node must run as {@link ELASTICSEARCH_USER}. */
function asRoot(): boolean {
  return process.getuid?.() === 0;
}

/** Creates {@link ELASTICSEARCH_USER} (a system user, no home, no login) when it is missing. Root only. */
export function ensureElasticsearchUser(): void {
  if (!asRoot()) return;
  try {
    execFileSync('id', ['-u', ELASTICSEARCH_USER], { stdio: 'ignore' });
  } catch {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ELASTICSEARCH_USER], { stdio: ['ignore', 'ignore', 'pipe'] });
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function signal(pid: number | undefined, name: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, name);
  } catch {
    // already gone
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitGone(pid: number | undefined, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (pid !== undefined && pidAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(50);
  }
  return true;
}

/** GET `path` on the node; resolves to the status code and body, or undefined when nothing answered. */
function get(port: number, path: string, timeoutMs = 5000): Promise<{ status: number; body: string } | undefined> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: timeoutMs, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

/** The HTTP port the node wrote to `logs/http.ports` (`node.portsfile=true`), once it is there. */
function readHttpPort(dir: string): number | undefined {
  const file = join(dir, 'logs', 'http.ports');
  if (!existsSync(file)) return undefined;
  const match = /127\.0\.0\.1:(\d+)/.exec(readFileSync(file, 'utf8'));
  return match ? Number(match[1]) : undefined;
}

/** True when every thread of `pid` is stopped (state T), read from /proc. */
function allThreadsStopped(pid: number): boolean {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`);
    return tasks.every((task) => {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8');
      // The state follows the command name, which is in parentheses and may hold spaces.
      return /^[Tt]/.test(stat.slice(stat.lastIndexOf(')') + 2));
    });
  } catch {
    return false;
  }
}

function tail(file: string, lines = 25): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n') : '';
}

/**
 * The distribution as the node's user can read it. A checkout under a directory only root may enter (a fresh clone in
 * `mktemp -d`, mode 0700) hides `.cache/` from that user: the distribution is then copied once to the system temp
 * directory, readable by all, and that copy is used.
 */
function readableHome(home: string, version: string): string {
  const asUser = ['--reuid', ELASTICSEARCH_USER, '--regid', ELASTICSEARCH_USER, '--clear-groups'];
  const readable = (dir: string) => {
    try {
      execFileSync('setpriv', [...asUser, 'test', '-r', join(dir, 'lib')], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  };
  if (readable(home)) return home;
  const shared = join(tmpdir(), `ratecreator-db-elasticsearch-${version}`);
  // A copy made before the test analysis plugin was installed is made again.
  if (!existsSync(join(shared, 'plugins', TEST_ANALYSIS_PLUGIN))) {
    rmSync(shared, { recursive: true, force: true });
    const staging = `${shared}.tmp-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(home, staging, { recursive: true });
    try {
      renameSync(staging, shared);
    } catch (error) {
      // Another run made the copy meanwhile.
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(shared, 'plugins', TEST_ANALYSIS_PLUGIN))) throw error;
    }
  }
  execFileSync('chmod', ['-R', 'a+rX', shared]);
  if (!readable(shared)) throw new Error(`the Elasticsearch distribution is not readable by ${ELASTICSEARCH_USER}, not even at ${shared}`);
  return shared;
}

/**
 * Fetches the distribution if needed and starts one node on loopback (security disabled, single-node discovery,
 * `http.port=0` and `node.portsfile=true` to learn the port) with its own copy of `config/`, its own data, logs and
 * ES_TMPDIR, and a small heap. As root it runs as {@link ELASTICSEARCH_USER} through `setpriv` (which execs, so the
 * PIDs are the launcher's and its server child's, no wrapper in between). Resolves once the cluster is yellow or green.
 */
export async function startElasticsearch(options: ElasticsearchServerOptions = {}): Promise<ElasticsearchServer> {
  const version = options.version ?? process.env.ELASTICSEARCH_TEST_VERSION ?? DEFAULT_ELASTICSEARCH_VERSION;
  const root = asRoot();
  if (root) ensureElasticsearchUser();
  const home = root ? readableHome(await ensureElasticsearch(version), version) : await ensureElasticsearch(version);
  const dir = makeTempDir('elasticsearch');
  const heap = options.heap ?? { min: '256m', max: '512m' };
  const conf = join(dir, 'config');
  cpSync(join(home, 'config'), conf, { recursive: true });
  for (const sub of ['data', 'logs', 'tmp']) mkdirSync(join(dir, sub));
  writeFileSync(
    join(conf, 'jvm.options.d', 'ratecreator-test.options'),
    [`-Xms${heap.min}`, `-Xmx${heap.max}`, `-XX:HeapDumpPath=${join(dir, 'logs')}`].join('\n') + '\n',
  );
  writeFileSync(
    join(conf, 'elasticsearch.yml'),
    [
      'cluster.name: ratecreator-db-test',
      'node.name: test-node',
      'network.host: 127.0.0.1',
      'transport.port: 0',
      'discovery.type: single-node',
      'xpack.security.enabled: false',
      'node.portsfile: true',
      `path.data: ${join(dir, 'data')}`,
      `path.logs: ${join(dir, 'logs')}`,
      // A nearly full test disk must not turn the indices read-only.
      'cluster.routing.allocation.disk.threshold_enabled: false',
      'action.destructive_requires_name: false',
      ...Object.entries(options.settings ?? {}).map(([name, value]) => `${name}: ${value}`),
    ].join('\n') + '\n',
  );
  if (root) execFileSync('chown', ['-R', `${ELASTICSEARCH_USER}:${ELASTICSEARCH_USER}`, dir]);
  else chmodSync(dir, 0o700);

  const consoleLog = join(dir, 'console.log');
  const pidFile = join(dir, 'es.pid');
  const env: NodeJS.ProcessEnv = { ...process.env, ES_JAVA_HOME: javaHome(), ES_PATH_CONF: conf, ES_TMPDIR: join(dir, 'tmp') };
  // bin/elasticsearch warns about these and ignores them.
  for (const name of ['JAVA_HOME', 'JAVA_TOOL_OPTIONS', '_JAVA_OPTIONS', 'JAVA_OPTS', 'ES_JAVA_OPTS']) delete env[name];
  const startTimeoutMs = options.startTimeoutMs ?? 120_000;

  let port: number | undefined;
  let launcherPid: number | undefined;
  let launcherExited: Promise<void> = Promise.resolve();
  let serverPid: number | undefined;

  const launch = async (): Promise<void> => {
    rmSync(join(dir, 'logs', 'http.ports'), { force: true });
    rmSync(pidFile, { force: true });
    // The first start lets the OS pick the port; a restart takes the same one back so clients find it again.
    const args = [join(home, 'bin', 'elasticsearch'), '-p', pidFile, `-Ehttp.port=${port ?? 0}`];
    const [command, argv] = root
      ? ['setpriv', ['--reuid', ELASTICSEARCH_USER, '--regid', ELASTICSEARCH_USER, '--init-groups', '--', ...args]]
      : [args[0]!, args.slice(1)];
    const fd = openSync(consoleLog, 'a');
    const child = spawn(command, argv, { stdio: ['ignore', fd, fd], env, cwd: dir });
    closeSync(fd);
    if (child.pid === undefined) {
      child.once('error', () => undefined);
      throw new Error(`could not start ${command}: not found on PATH or not executable`);
    }
    launcherPid = child.pid;
    let exited = false;
    launcherExited = new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) resolve();
      else child.once('exit', () => resolve());
    }).then(() => void (exited = true));
    const deadline = Date.now() + startTimeoutMs;
    while (Date.now() < deadline && !exited) {
      const learned = readHttpPort(dir);
      if (learned !== undefined) {
        const health = await get(learned, '/_cluster/health?wait_for_status=yellow&timeout=1s', 5000);
        if (health?.status === 200 && /"status":"(green|yellow)"/.test(health.body) && existsSync(pidFile)) {
          port = learned;
          serverPid = Number(readFileSync(pidFile, 'utf8').trim());
          return;
        }
      }
      await sleep(200);
    }
    const why = exited ? 'exited' : `was not ready within ${startTimeoutMs} ms`;
    await killAll();
    throw new Error(`Elasticsearch ${version} ${why}:\n${tail(consoleLog)}`);
  };

  /** SIGKILL to the server JVM and its launcher (the server also exits when the launcher dies: its stdin closes). */
  const killAll = async (): Promise<void> => {
    const pidFromFile = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) || undefined : undefined;
    const server = serverPid ?? pidFromFile;
    signal(server, 'SIGKILL');
    signal(launcherPid, 'SIGKILL');
    await launcherExited;
    await waitGone(server, 10_000);
  };

  try {
    await launch();
  } catch (error) {
    removeDir(dir);
    throw error;
  }
  return {
    dir,
    version,
    get pid() {
      return serverPid!;
    },
    get port() {
      return port!;
    },
    get url() {
      return `http://127.0.0.1:${port!}`;
    },
    kill: killAll,
    restart: launch,
    async freeze() {
      signal(serverPid, 'SIGSTOP');
      const deadline = Date.now() + 10_000;
      while (serverPid !== undefined && !allThreadsStopped(serverPid)) {
        if (Date.now() > deadline) throw new Error(`Elasticsearch (pid ${serverPid}) did not stop within 10 s`);
        await sleep(10);
      }
    },
    thaw: () => signal(serverPid, 'SIGCONT'),
    async stop() {
      // A frozen node cannot shut down; the launcher's SIGTERM asks the server to stop cleanly.
      signal(serverPid, 'SIGCONT');
      signal(launcherPid, 'SIGTERM');
      const timer = setTimeout(() => void killAll(), 15_000);
      await launcherExited;
      clearTimeout(timer);
      if (!(await waitGone(serverPid, 5000))) await killAll();
      removeDir(dir);
    },
  };
}

// `npx tsx scripts/servers/elasticsearch.ts fetch` fills the cache (a CI step before the tests).
if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === 'fetch') {
  const version = process.env.ELASTICSEARCH_TEST_VERSION ?? DEFAULT_ELASTICSEARCH_VERSION;
  ensureElasticsearch(version).then(
    (home) => {
      ensureElasticsearchUser();
      console.log(`Elasticsearch ${version}: ${home}`);
    },
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
