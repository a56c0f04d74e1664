/** File-system errors reach the user as one sentence naming the file (not "internal error: ENOSPC"). */
import { writeFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { writeFileAtomic } from "../../src/util/atomicWrite.js";
import { describeSystemError } from "../../src/util/errors.js";

describe("describeSystemError", () => {
  it("says the disk is full for a real ENOSPC (writing /dev/full)", async () => {
    const err = await writeFile("/dev/full", "x").catch((e: unknown) => e);
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
    expect(describeSystemError(err)).toMatch(/^the disk is full.*ENOSPC; finished work is kept/);
  });

  it("names the file writeFileAtomic was writing, not its temporary name", async () => {
    // sysfs refuses new files, even to root: a real EACCES (or EROFS) from open().
    const target = "/sys/kernel/cmdstan-recover-test.json";
    const err = await writeFileAtomic(target, "{}").catch((e: unknown) => e);
    const text = describeSystemError(err);
    expect(text).toMatch(
      /^(permission denied|the file system is read-only) \(writing \/sys\/kernel\/cmdstan-recover-test\.json\)/,
    );
    expect(text).not.toMatch(/\.tmp/);
  });

  it("leaves other errors to the caller", () => {
    expect(describeSystemError(new Error("a bug"))).toBeUndefined();
    expect(describeSystemError(Object.assign(new Error("gone"), { code: "ENOENT" }))).toBeUndefined();
  });
});
