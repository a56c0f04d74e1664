/**
 * Compiling .stan files through CmdStan's makefile, with a content-addressed cache.
 *
 * The cache key hashes the model source and every file it #includes, the CmdStan version and
 * path, its make/local, the stanc flags and $CXX: an unchanged model is never recompiled, any
 * change recompiles.
 *
 * C++ flags are the installation's own, never the model's: a model built with flags that differ
 * from those CmdStan's precompiled parts were built with links but crashes at run time (h_m01 with
 * -march=native: "double free or corruption"), and `CXXFLAGS+=...` on make's command line
 * replaces CmdStan's own flags (model_header.hpp is then not found). So there is no per-model C++
 * flag option, and the compiler-flag variables of the environment (CXXFLAGS, CPPFLAGS, LDFLAGS,
 * ..., which an activated conda environment sets) are not passed to make. Flags for a whole
 * installation go where CmdStan wants them, in its make/local, followed by a rebuild of CmdStan
 * (`make clean-all build`); make/local is part of the cache key, so every model is rebuilt too. Each build happens in a private temporary folder that is renamed into
 * place when done, so two processes compiling the same model at once cannot corrupt each
 * other (the loser of the rename race discards its copy and uses the winner's).
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm, writeFile, copyFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CompileError } from "../util/errors.js";
import { projectRoot } from "../util/projectRoot.js";
import type { CmdStanInstall } from "./locate.js";

export interface CompiledModel {
  /** Model name: the .stan file's basename without extension. */
  name: string;
  /** Absolute path of the .stan file the user gave. */
  stanFile: string;
  /** Absolute path of the executable. */
  exe: string;
  /** Cache key (hex). */
  hash: string;
  /** True when this call compiled it, false when it came from the cache. */
  compiled: boolean;
}

export interface CompileOptions {
  cacheDir?: string;
  /** Extra stanc options, e.g. ["--O1"]. */
  stancFlags?: string[];
  /** Folders searched for #include files besides the model's own folder. */
  includePaths?: string[];
  /** Called with each line make prints (for progress display). */
  onOutput?: (line: string) => void;
  /** Only look the model up in the cache; never build it (cluster tasks run what the driver built). */
  cachedOnly?: boolean;
}

const INCLUDE_RE = /^\s*#include\s+[<"]?([^>"\s]+)[>"]?/gm;

/** The model file and every file it includes (recursively), as [path, content] pairs. */
function collectSources(stanFile: string, includePaths: string[]): [string, string][] {
  const seen = new Map<string, string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    const text = readFileSync(file, "utf8");
    seen.set(file, text);
    for (const m of text.matchAll(INCLUDE_RE)) {
      const rel = m[1];
      const found = [path.dirname(file), ...includePaths].map((d) => path.resolve(d, rel)).find((p) => existsSync(p));
      // A missing include is left for stanc to report with its own file:line message.
      if (found) visit(found);
    }
  };
  visit(stanFile);
  return [...seen.entries()];
}

export function modelCacheKey(install: CmdStanInstall, stanFile: string, opts: CompileOptions = {}): string {
  const includePaths = [path.dirname(stanFile), ...(opts.includePaths ?? [])];
  const h = createHash("sha256");
  for (const [file, text] of collectSources(stanFile, includePaths)) {
    h.update(path.basename(file)).update("\0").update(text).update("\0");
  }
  const local = path.join(install.path, "make", "local");
  h.update(install.path)
    .update(install.version)
    .update(existsSync(local) ? readFileSync(local, "utf8") : "");
  h.update(JSON.stringify([opts.stancFlags ?? [], process.env.CXX ?? ""]));
  return h.digest("hex");
}

/** Same-process dedup: concurrent compileModel calls for one key share one build. */
const inFlight = new Map<string, Promise<CompiledModel>>();

export async function compileModel(
  install: CmdStanInstall,
  stanFile: string,
  opts: CompileOptions = {},
): Promise<CompiledModel> {
  const abs = path.resolve(stanFile);
  if (!existsSync(abs)) throw new CompileError(`Stan file not found: ${abs}`, abs);
  if (!abs.endsWith(".stan")) throw new CompileError(`${abs}: expected a .stan file`, abs);
  const name = path.basename(abs, ".stan");
  const hash = modelCacheKey(install, abs, opts);
  const cacheDir = opts.cacheDir ?? path.join(projectRoot(), ".cache", "models");
  const finalDir = path.join(cacheDir, `${name}-${hash.slice(0, 16)}`);
  const exe = path.join(finalDir, name);
  if (existsSync(path.join(finalDir, "DONE"))) return { name, stanFile: abs, exe, hash, compiled: false };
  if (opts.cachedOnly) {
    throw new CompileError(
      `${abs} is not compiled in the model cache (${finalDir} is missing): it is compiled once, before tasks start, ` +
        `and tasks only run it. Is ${cacheDir} on a filesystem every node shares, and did the model change since?`,
      abs,
    );
  }

  const pending = inFlight.get(finalDir);
  if (pending) return pending;
  const job = build(install, abs, name, hash, finalDir, opts).finally(() => inFlight.delete(finalDir));
  inFlight.set(finalDir, job);
  return job;
}

async function build(
  install: CmdStanInstall,
  stanFile: string,
  name: string,
  hash: string,
  finalDir: string,
  opts: CompileOptions,
): Promise<CompiledModel> {
  const tmpDir = `${finalDir}.tmp-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  await mkdir(tmpDir, { recursive: true });
  const target = path.join(tmpDir, name);
  await copyFile(stanFile, `${target}.stan`);
  const includePaths = [path.dirname(stanFile), ...(opts.includePaths ?? [])];
  const stancFlags = [...(opts.stancFlags ?? []), `--include-paths=${includePaths.join(",")}`];
  const args = ["-C", install.path, target, `STANCFLAGS=${stancFlags.join(" ")}`];

  const started = Date.now();
  const proc = execa("make", args, {
    all: true,
    reject: false,
    buffer: true,
    env: makeEnvironment(),
    extendEnv: false,
  });
  if (opts.onOutput)
    proc.all?.on("data", (chunk: Buffer) => chunk.toString().split("\n").filter(Boolean).forEach(opts.onOutput!));
  const result = await proc;
  const log = result.all ?? "";
  await writeFile(path.join(tmpDir, "compile.log"), log);

  if (result.exitCode !== 0 || !existsSync(target)) {
    await rm(tmpDir, { recursive: true, force: true });
    throw describeCompileFailure(log, stanFile, `${target}.stan`);
  }
  await writeFile(
    path.join(tmpDir, "DONE"),
    JSON.stringify({ stanFile, hash, cmdstan: install.version, seconds: (Date.now() - started) / 1000 }, null, 2),
  );
  try {
    await rename(tmpDir, finalDir);
  } catch (err) {
    // Another process finished the same model first: keep theirs.
    await rm(tmpDir, { recursive: true, force: true });
    if (!existsSync(path.join(finalDir, "DONE"))) throw err;
  }
  return { name, stanFile, exe: path.join(finalDir, name), hash, compiled: true };
}

/** Compiler and linker flag variables that make would take from the environment. */
const FLAG_VARIABLES = /^(CFLAGS|CXXFLAGS|CPPFLAGS|LDFLAGS|LDLIBS)$/;

/** This process's environment without the compiler-flag variables (see the module comment). */
export function makeEnvironment(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !FLAG_VARIABLES.test(k)));
}

/**
 * Turn a failed make log into the message a user needs: stanc's own error block (with the
 * path of the user's .stan file, not of our cache copy) or the first C++ compiler errors.
 */
export function describeCompileFailure(log: string, stanFile: string, copyPath: string): CompileError {
  const text = log.split(copyPath).join(stanFile);
  const refused = /^(\S*stanc): unknown option '([^']+)'/m.exec(text);
  if (refused)
    return new CompileError(
      `Stan model ${stanFile} was not compiled: this CmdStan's stanc (${refused[1]}) does not know the option '${refused[2]}' ` +
        `(\`${refused[1]} --help\` lists the ones it takes; stanc 2.27 has --O, not --O1).`,
      stanFile,
    );
  const lines = text.split("\n");
  const stancStart = lines.findIndex((l) => /^(Semantic|Syntax) error|^Error in '|^Identifier '|error in '/i.test(l));
  if (stancStart >= 0) {
    const block: string[] = [];
    for (const l of lines.slice(stancStart)) {
      // stanc's message has no final newline, so make's "*** Error" can share its last line.
      const cut = l.search(/make(\[\d+\])?: (\*\*\*|Leaving directory)/);
      if (cut >= 0) {
        block.push(l.slice(0, cut));
        break;
      }
      block.push(l);
    }
    const m = /in '([^']+)', line (\d+), column (\d+)/.exec(block.join("\n"));
    const location = m ? `${m[1]}:${m[2]}:${m[3]}` : undefined;
    return new CompileError(
      `Stan model ${stanFile} does not compile${location ? ` (${location})` : ""}:\n${block.join("\n").trim()}`,
      stanFile,
      location,
    );
  }
  const cxxErrors = lines.filter((l) => /\berror\b/i.test(l) && !/^make/.test(l)).slice(0, 8);
  return new CompileError(
    `Stan model ${stanFile} passed stanc but the C++ build failed:\n${(cxxErrors.length ? cxxErrors : lines.slice(-15)).join("\n")}`,
    stanFile,
  );
}
