/**
 * The repair of CmdStan 2.37.0's bin/diagnose from the prophet 1.3.0 wheel
 * (scripts/elf-dynamic-fix.ts), on the real binary as shipped and as provisioned.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { analyseDynamic, fixDynamic } from "../../scripts/elf-dynamic-fix.js";
import { REFERENCE_DIR, referenceTree } from "../helpers/toolsets.js";

const UNPACKED = path.join(REFERENCE_DIR, "prophet-1.3.0");
const AS_SHIPPED = path.join(UNPACKED, "as-shipped", "diagnose");

describe("bin/diagnose of CmdStan 2.37.0 from the prophet wheel", () => {
  it("as shipped: DYNAMIC straddles a page that a read-only LOAD segment maps, and the loader crashes", async () => {
    const shipped = readFileSync(AS_SHIPPED);
    const layout = analyseDynamic(shipped, AS_SHIPPED);
    expect(layout.readOnlyLoads.length).toBeGreaterThan(0);
    // The table crosses a page boundary: its tail is on the read-only page.
    expect(layout.dynamic.start / 4096n).not.toBe((layout.dynamic.end - 1n) / 4096n);
    const run = await execa(AS_SHIPPED, [], {
      reject: false,
      env: { LD_LIBRARY_PATH: path.join(UNPACKED, "prophet.libs") },
    });
    expect(run.signal).toBe("SIGSEGV");
  });

  it("provisioned: the same file with only the write flag of those segments added, and it runs", async () => {
    const tree = referenceTree("2.37.0");
    const shipped = readFileSync(AS_SHIPPED);
    const provisioned = readFileSync(path.join(tree, "bin", "diagnose"));
    const { fixed, madeWritable } = fixDynamic(shipped, AS_SHIPPED);
    expect(fixed.equals(provisioned)).toBe(true);
    const changedBytes = [...shipped].filter((b, i) => b !== provisioned[i]).length;
    expect(changedBytes).toBe(madeWritable.length); // one p_flags byte per segment
    expect(analyseDynamic(provisioned, "provisioned").readOnlyLoads).toEqual([]);
    expect(fixDynamic(provisioned, "provisioned").madeWritable).toEqual([]); // idempotent
    const run = await execa(path.join(tree, "bin", "diagnose"), [], { reject: false });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/USAGE:\s+diagnose <filename 1>/);
  });

  it("refuses what it cannot repair, naming the file", () => {
    expect(() => analyseDynamic(Buffer.from("#!/bin/sh\necho hi\n".padEnd(80)), "script.sh")).toThrow(
      /script\.sh: not an ELF file/,
    );
    // Move DYNAMIC to an address no LOAD segment maps.
    const moved = Buffer.from(readFileSync(AS_SHIPPED));
    const phoff = Number(moved.readBigUInt64LE(0x20));
    const phnum = moved.readUInt16LE(0x38);
    for (let i = 0; i < phnum; i++) {
      const at = phoff + i * 56;
      if (moved.readUInt32LE(at) === 2) moved.writeBigUInt64LE(0x7000_0000n, at + 16);
    }
    expect(() => analyseDynamic(moved, "moved")).toThrow(
      /moved: page 0x70000000 of the DYNAMIC segment is mapped by no LOAD segment/,
    );
  });
});
