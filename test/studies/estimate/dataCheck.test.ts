/**
 * A user's data file against a model's declared data: every problem named with the file, the key
 * and the line, all in one message; what passes is passed on with only the declared keys.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { checkStanData, type DeclaredData } from "../../../src/cmdstan/dataCheck.js";
import { readModelInfo } from "../../../src/cmdstan/modelInfo.js";
import { parseStanJsonText } from "../../../src/cmdstan/stanJsonRead.js";
import { InputError } from "../../../src/util/errors.js";
import { REPO_ROOT, testCmdStan } from "../../helpers/cmdstan.js";

const FILE = "/data/stan_data_GPT-4.json";
const M0: Record<string, DeclaredData> = {
  M: { type: "int", dimensions: 0 },
  K: { type: "int", dimensions: 0 },
  D: { type: "int", dimensions: 0 },
  R: { type: "int", dimensions: 0 },
  w: { type: "real", dimensions: 2 },
  I: { type: "int", dimensions: 2 },
  y: { type: "int", dimensions: 1 },
};
const good = {
  M: 2,
  K: 3,
  D: 2,
  R: 3,
  w: [
    [0.5, -1],
    [1.5, 0.25],
    [0, 2],
  ],
  I: [
    [1, 1, 0],
    [0, 1, 1],
  ],
  y: [1, 2],
};

/** The file as Python's json.dump writes it (one key per line), with `edits` replacing values' text. */
function fileText(edits: Record<string, string> = {}, drop: string[] = []): string {
  const lines = Object.entries(good)
    .filter(([k]) => !drop.includes(k))
    .map(([k, v]) => `  "${k}": ${edits[k] ?? JSON.stringify(v)}`);
  return `{\n${lines.join(",\n")}\n}\n`;
}

function problemsOf(text: string): string {
  try {
    checkStanData(parseStanJsonText(text, FILE), M0, "the model m_0.stan");
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message.startsWith(`${FILE}: does not hold the data the model m_0.stan declares:`)).toBe(true);
    return message;
  }
  throw new Error("the data passed the check");
}

describe("data file check", () => {
  it("passes a good file on with the declared keys only, in the model's order, and says which are int", () => {
    const text = fileText().replace(
      "{\n",
      '{\n  "metadata": {"llm": "GPT-4", "notes": ["a", null]},\n  "extra": NaN,\n',
    );
    const r = checkStanData(parseStanJsonText(text, FILE), M0, "m_0");
    expect(Object.keys(r.data)).toEqual(["M", "K", "D", "R", "w", "I", "y"]);
    expect(r.data.w).toEqual(good.w);
    expect(r.ints).toEqual(["M", "K", "D", "R", "I", "y"]);
    expect(r.unused).toEqual(["metadata", "extra"]);
  });

  it("names a missing key with what the model declares", () => {
    expect(problemsOf(fileText({}, ["y"]))).toContain(
      "- y: missing; the model m_0.stan declares it as int data with 1 dimension(s)",
    );
  });

  it("names a wrong shape: a number for an array, an array for a number, too deep, ragged rows", () => {
    expect(problemsOf(fileText({ w: "[0.5, 1.5, 0]" }))).toContain(
      "- w[0]: a number where an array is expected (1 more level(s) of nesting declared) (line 6); the model declares w as real data with 2 dimension(s)",
    );
    expect(problemsOf(fileText({ M: "[2]" }))).toContain(
      "- M: an array where a number is expected (too many levels of nesting) (line 2)",
    );
    expect(problemsOf(fileText({ y: "[[1], [2]]" }))).toContain("- y[0]: an array where a number is expected");
    expect(problemsOf(fileText({ I: "[[1, 1, 0], [0, 1]]" }))).toContain(
      "- I[1]: 2 entries where the other arrays at its level have 3 (arrays must be rectangular) (line 7)",
    );
  });

  it("names a real where an int is declared, also one written 2.0 (CmdStan refuses it for an int)", () => {
    expect(problemsOf(fileText({ y: "[1, 2.5]" }))).toContain("- y: the model declares int, but y[1] is 2.5 (line 8)");
    expect(problemsOf(fileText({ y: "[1, 2.0]" }))).toContain(
      "- y: the model declares int, but y[1] = 2.0 (line 8) is written as a real; write integers (2, not 2.0)",
    );
    expect(problemsOf(fileText({ K: "3e0" }))).toContain(
      "- K: the model declares int, but K = 3e0 (line 3) is written as a real",
    );
  });

  it("names a NaN and a null with their place and line, and a string or a boolean", () => {
    expect(problemsOf(fileText({ w: "[[0.5, -1], [NaN, 0.25], [0, 2]]" }))).toContain(
      "- w: holds NaN at w[1][0] (line 6); data must be numbers",
    );
    expect(problemsOf(fileText({ y: "[1, null]" }))).toContain(
      "- y: holds null at y[1] (line 8); the model declares int data with 1 dimension(s)",
    );
    expect(problemsOf(fileText({ M: '"2"' }))).toContain('- M: a string ("2") where a number is expected (line 2)');
    expect(problemsOf(fileText({ D: "true" }))).toContain("- D: a boolean where a number is expected (line 4)");
  });

  it("lists every problem of a file in one message", () => {
    const message = problemsOf(fileText({ y: "[1, 1.5]", w: "[[NaN, 1], [1, 1], [1, 1]]" }, ["R"]));
    expect(message.split("\n  - ")).toHaveLength(4);
  });

  it("names a JSON syntax error with its line and column, and a key given twice", () => {
    expect(() => parseStanJsonText('{\n  "M": 2\n  "K": 3\n}', FILE)).toThrow(
      `${FILE}:3:3: not valid JSON: expected ',' or '}' after an entry of "M", found '"'`,
    );
    expect(() => parseStanJsonText('{"M": 2,\n"M": 3}', FILE)).toThrow(
      `${FILE}:2:1: not valid JSON: key "M" appears twice (first on line 1)`,
    );
    expect(() => parseStanJsonText("[1, 2]", FILE)).toThrow("a data file is one JSON object");
  });

  it("checks against what stanc --info says of the real model", async () => {
    const info = await readModelInfo(await testCmdStan(), path.join(REPO_ROOT, "stan", "m_1.stan"));
    const err = (() => {
      try {
        checkStanData(parseStanJsonText(fileText(), FILE), info.inputs, "m_1");
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err?.message).toContain("- N: missing; m_1 declares it as a scalar int");
    expect(err?.message).toContain("- x: missing; m_1 declares it as real data with 2 dimension(s)");
  });
});
