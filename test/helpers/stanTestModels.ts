/**
 * Compile the small models of test/models/ with the real CmdStan (`make -C $CMDSTAN <path>`) into
 * .cache/test-models/<name>-<hash>/ (no binaries land in test/), and sample them.
 * Compiles are cached by content (model source + CmdStan path) and serialised by a lock
 * directory so that two test files never compile at the same time.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rm, rmdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { execa } from 'execa';
import { REPO_ROOT, testCmdStanPath } from './cmdstanPath.js';

export const TEST_MODEL_DIR = path.join(REPO_ROOT, 'test', 'models');
const CACHE = path.join(REPO_ROOT, '.cache', 'test-models');
const LOCK = path.join(CACHE, '.compile-lock');

async function withCompileLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(CACHE, { recursive: true });
  const started = Date.now();
  for (;;) {
    try {
      await mkdir(LOCK);
      break;
    } catch {
      // A lock older than 30 minutes is left over from a killed run.
      try {
        const st = await stat(LOCK);
        if (Date.now() - st.mtimeMs > 30 * 60 * 1000) await rmdir(LOCK).catch(() => {});
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() - started > 40 * 60 * 1000) throw new Error(`waited too long for ${LOCK}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
  try {
    return await fn();
  } finally {
    await rmdir(LOCK).catch(() => {});
  }
}

/** Path of the compiled executable of test/models/<name>.stan. */
export async function compileTestStanModel(name: string): Promise<string> {
  const cmdstan = testCmdStanPath();
  const source = path.join(TEST_MODEL_DIR, `${name}.stan`);
  const code = await readFile(source, 'utf8');
  const hash = createHash('sha256').update(code).update('\0').update(path.resolve(cmdstan)).digest('hex').slice(0, 12);
  const dir = path.join(CACHE, `${name}-${hash}`);
  const exe = path.join(dir, name);
  if (existsSync(exe)) return exe;
  return withCompileLock(async () => {
    if (existsSync(exe)) return exe;
    await rm(dir, { recursive: true, force: true });
    await mkdir(dir, { recursive: true });
    await copyFile(source, path.join(dir, `${name}.stan`));
    const r = await execa('make', ['-C', cmdstan, exe], { reject: false, all: true });
    if (r.exitCode !== 0 || !existsSync(exe))
      throw new Error(`compiling ${source} with ${cmdstan} failed (exit ${r.exitCode}):\n${(r.all ?? '').split('\n').slice(-30).join('\n')}`);
    return exe;
  });
}

export interface SampleOptions {
  chains: number;
  outDir: string;
  /** Prefix of the output files: <outDir>/<prefix>-<chain>.csv */
  prefix: string;
  /** Arguments after `sample`, e.g. ['num_samples=1000', 'adapt', 'delta=0.9']. */
  sampleArgs?: string[];
  seed?: number;
  dataFile?: string;
}

/** One process per chain (id=1..chains), chains run one after another; returns the CSV paths. */
export async function sampleTestModel(exe: string, opts: SampleOptions): Promise<string[]> {
  await mkdir(opts.outDir, { recursive: true });
  const files: string[] = [];
  for (let c = 1; c <= opts.chains; c++) {
    const out = path.join(opts.outDir, `${opts.prefix}-${c}.csv`);
    const args = [
      'sample',
      ...(opts.sampleArgs ?? []),
      ...(opts.dataFile ? ['data', `file=${opts.dataFile}`] : []),
      'random',
      `seed=${opts.seed ?? 4711}`,
      `id=${c}`,
      'output',
      `file=${out}`,
      'refresh=0',
    ];
    const r = await execa(exe, args, { reject: false, all: true });
    if (r.exitCode !== 0) throw new Error(`${exe} ${args.join(' ')} failed (exit ${r.exitCode}):\n${r.all ?? ''}`);
    files.push(out);
  }
  return files;
}
