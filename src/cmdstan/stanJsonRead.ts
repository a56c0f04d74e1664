/**
 * Reading a Stan JSON data file written by someone else (a user's data for a fit), keeping what
 * JSON.parse throws away and a data check needs: the line of every top-level key, and for each
 * key the first null, the first NaN and the first number written as a real (`2.0`, `1e3`), with
 * its path and line. Stan JSON is JSON plus the bare tokens NaN, Infinity and -Infinity (what
 * Python's json module writes); those are read as numbers here. Syntax errors name the file,
 * line and column.
 */
import { InputError } from "../util/errors.js";

/** Where something was found: a path such as `y[3]` or `w[2][0]` (0-based, as in the file) and its line. */
export interface Found {
  path: string;
  line: number;
  literal?: string;
}

export interface StanJsonFile {
  file: string;
  /** The top-level object: numbers, strings, booleans, null, arrays and objects, as JSON.parse gives them. */
  values: Record<string, unknown>;
  /** Line of each top-level key. */
  keyLines: Record<string, number>;
  /** Per top-level key: its first null, first NaN, first number written as a real. */
  firsts: Record<string, { null?: Found; nan?: Found; real?: Found }>;
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const BARE: Record<string, number> = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity };

class Reader {
  pos = 0;
  line = 1;
  private lineStart = 0;
  key = "";
  firsts: StanJsonFile["firsts"] = {};

  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  fail(what: string): never {
    throw new InputError(`${this.file}:${this.line}:${this.pos - this.lineStart + 1}: not valid JSON: ${what}`);
  }

  skipSpace(): void {
    for (; this.pos < this.text.length; this.pos++) {
      const c = this.text[this.pos];
      if (c === "\n") {
        this.line++;
        this.lineStart = this.pos + 1;
      } else if (c !== " " && c !== "\t" && c !== "\r") return;
    }
  }

  expect(c: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== c) this.fail(`expected '${c}', found ${this.describeHere()}`);
    this.pos++;
  }

  /** After an entry of an array or object: `close` ends it (true), a comma goes on (false). */
  next(close: "]" | "}"): boolean {
    const c = this.text[this.pos];
    if (c === close || c === ",") {
      this.pos++;
      return c === close;
    }
    return this.fail(
      `expected ',' or '${close}' after ${this.key ? `an entry of "${this.key}"` : "a value"}, found ${this.describeHere()}`,
    );
  }

  describeHere(): string {
    return this.pos >= this.text.length ? "the end of the file" : `'${this.text[this.pos]}'`;
  }

  note(kind: "null" | "nan" | "real", path: string, literal?: string): void {
    const f = (this.firsts[this.key] ??= {});
    f[kind] ??= { path, line: this.line, ...(literal !== undefined ? { literal } : {}) };
  }

  string(): string {
    const start = this.pos;
    this.expect('"');
    for (let i = this.pos; i < this.text.length; i++) {
      const c = this.text[i];
      if (c === "\\") i++;
      else if (c === "\n") break;
      else if (c === '"') {
        this.pos = i + 1;
        return JSON.parse(this.text.slice(start, i + 1)) as string;
      }
    }
    return this.fail("a string that does not end on its line");
  }

  value(path: string): unknown {
    this.skipSpace();
    const c = this.text[this.pos];
    if (c === "{") return this.object(path);
    if (c === "[") return this.array(path);
    if (c === '"') return this.string();
    for (const word of ["true", "false", "null", ...Object.keys(BARE)]) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        if (word === "null") this.note("null", path);
        if (word === "NaN") this.note("nan", path);
        return word === "null" ? null : word === "true" ? true : word === "false" ? false : BARE[word];
      }
    }
    NUMBER_RE.lastIndex = this.pos;
    const m = NUMBER_RE.exec(this.text);
    if (!m) return this.fail(`expected a value, found ${this.describeHere()}`);
    this.pos += m[0].length;
    if (/[.eE]/.test(m[0])) this.note("real", path, m[0]);
    return Number(m[0]);
  }

  array(path: string): unknown[] {
    this.expect("[");
    const out: unknown[] = [];
    this.skipSpace();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(`${path}[${out.length}]`));
      this.skipSpace();
      if (this.next("]")) return out;
    }
  }

  object(path: string, lines?: Record<string, number>): Record<string, unknown> {
    this.expect("{");
    const out: Record<string, unknown> = {};
    this.skipSpace();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipSpace();
      const [keyLine, keyPos] = [this.line, this.pos];
      const key = this.string();
      if (lines) {
        if (key in lines) {
          this.pos = keyPos;
          this.fail(`key "${key}" appears twice (first on line ${lines[key]})`);
        }
        lines[key] = keyLine;
        this.key = key;
      }
      this.expect(":");
      out[key] = this.value(path ? `${path}.${key}` : key);
      this.skipSpace();
      if (this.next("}")) return out;
    }
  }
}

/** Parse the text of a Stan JSON data file (`file` names it in errors). */
export function parseStanJsonText(text: string, file: string): StanJsonFile {
  const r = new Reader(text, file);
  r.skipSpace();
  if (r.pos >= text.length) r.fail("the file is empty");
  if (text[r.pos] !== "{") r.fail(`a data file is one JSON object ({...}), found ${r.describeHere()}`);
  const keyLines: Record<string, number> = {};
  const values = r.object("", keyLines);
  r.skipSpace();
  if (r.pos < text.length) r.fail(`text after the closing '}': ${r.describeHere()}`);
  return { file, values, keyLines, firsts: r.firsts };
}
