/** Stan's generator by CmdStan release: ecuyer1988 up to 2.34, mixmax from 2.35 (docs/cmdstan.md). */
import { describe, expect, it } from "vitest";
import { generatorFor, majorMinor } from "../../src/cmdstan/rng.js";

describe("generatorFor", () => {
  it.each([
    ["2.26.1", "boost::ecuyer1988"],
    ["2.27.0", "boost::ecuyer1988"],
    ["2.33.1", "boost::ecuyer1988"],
    ["2.34.0", "boost::ecuyer1988"],
    ["2.34.1", "boost::ecuyer1988"],
    ["2.35.0-rc1", "boost::random::mixmax"],
    ["2.35.0", "boost::random::mixmax"],
    ["2.36.0", "boost::random::mixmax"],
    ["2.37.0", "boost::random::mixmax"],
    ["3.0.0", "boost::random::mixmax"],
  ])("CmdStan %s draws with %s", (version, generator) => {
    expect(generatorFor(version)).toBe(generator);
  });

  it("refuses what is not a version", () => {
    expect(() => generatorFor("latest")).toThrow(/not a CmdStan version: 'latest'/);
    expect(majorMinor("2.10.3")).toEqual({ major: 2, minor: 10 });
  });
});
