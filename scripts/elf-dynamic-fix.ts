/**
 * Repairs the one defect of the prophet 1.2-1.3 wheels' CmdStan 2.37.0 `bin/diagnose`: it dies in
 * the dynamic loader (SIGSEGV before `main`) because the wheel's rewriting of the ELF file
 * (auditwheel's patchelf, when it set the RPATH) left the DYNAMIC segment straddling a page
 * boundary: its first bytes lie in the first LOAD segment (RW) and the rest on the next page,
 * which the following LOAD segment maps read-only. ld.so writes the address of its debug
 * structure into the DT_DEBUG entry of that table, on the read-only page, and faults.
 *
 * The fix is the smallest one that makes the loader's write legal: add the write flag (PF_W) to
 * every LOAD segment that maps a page holding part of the DYNAMIC segment. Nothing moves: the
 * same bytes land at the same addresses, only a page's protection changes (here 3 pages of
 * version and relocation tables become writable). Extending the first LOAD segment over the
 * DYNAMIC segment as well (what was tried first) also works on this kernel, but makes two LOAD
 * segments map the same page, which the ELF specification does not allow and which depends on
 * how the kernel maps overlapping segments; this flag change needs neither.
 *
 * Checked, not assumed: the file must be a little-endian ELF64 whose DYNAMIC bytes are all
 * mapped, each from a LOAD segment with the same address-to-offset shift (so the table the
 * loader reads is the one in the file). Anything else is refused with the reason. Idempotent:
 * a file already fixed (or never broken) is left as is.
 *
 *   npx tsx scripts/elf-dynamic-fix.ts FILE          fix FILE in place (atomically)
 *   npx tsx scripts/elf-dynamic-fix.ts --check FILE  exit 1 if FILE needs the fix
 */
import { readFileSync, renameSync, statSync, writeFileSync, chmodSync } from "node:fs";
import { fileURLToPath } from "node:url";

const PT_LOAD = 1;
const PT_DYNAMIC = 2;
const PF_W = 2;
/** The kernel maps segments in whole pages; 4 KiB on x86_64, the only platform of these wheels. */
const PAGE = 0x1000n;

interface ProgramHeader {
  index: number;
  /** Byte offset of this header in the file (for patching p_flags). */
  at: number;
  type: number;
  flags: number;
  offset: bigint;
  vaddr: bigint;
  memsz: bigint;
}

export interface DynamicLayout {
  /** Indices (in the program header table) of LOAD segments mapping a page of DYNAMIC without PF_W. */
  readOnlyLoads: number[];
  /** DYNAMIC's address range [start, end). */
  dynamic: { start: bigint; end: bigint };
}

function programHeaders(buf: Buffer, file: string): ProgramHeader[] {
  if (buf.length < 64 || buf.readUInt32BE(0) !== 0x7f454c46) throw new Error(`${file}: not an ELF file`);
  if (buf[4] !== 2 || buf[5] !== 1)
    throw new Error(`${file}: expected a little-endian 64-bit ELF file (class ${buf[4]}, data ${buf[5]})`);
  const phoff = Number(buf.readBigUInt64LE(0x20));
  const phentsize = buf.readUInt16LE(0x36);
  const phnum = buf.readUInt16LE(0x38);
  if (phentsize < 56 || phoff + phnum * phentsize > buf.length)
    throw new Error(`${file}: program header table lies outside the file`);
  return Array.from({ length: phnum }, (_, index) => {
    const at = phoff + index * phentsize;
    return {
      index,
      at,
      type: buf.readUInt32LE(at),
      flags: buf.readUInt32LE(at + 4),
      offset: buf.readBigUInt64LE(at + 8),
      vaddr: buf.readBigUInt64LE(at + 16),
      memsz: buf.readBigUInt64LE(at + 40),
    };
  });
}

const pageDown = (x: bigint) => (x / PAGE) * PAGE;
const pageUp = (x: bigint) => ((x + PAGE - 1n) / PAGE) * PAGE;

/** Where DYNAMIC lies and which LOAD segments map its pages read-only; throws when the layout is not the repairable one. */
export function analyseDynamic(buf: Buffer, file: string): DynamicLayout {
  const headers = programHeaders(buf, file);
  const dyn = headers.find((h) => h.type === PT_DYNAMIC);
  if (!dyn) throw new Error(`${file}: no DYNAMIC segment (a static executable needs no fix)`);
  const start = dyn.vaddr;
  const end = dyn.vaddr + dyn.memsz;
  const shift = dyn.vaddr - dyn.offset;
  const readOnlyLoads: number[] = [];
  for (let page = pageDown(start); page < end; page += PAGE) {
    const mapping = headers.filter(
      (h) => h.type === PT_LOAD && pageDown(h.vaddr) <= page && page < pageUp(h.vaddr + h.memsz),
    );
    if (mapping.length === 0)
      throw new Error(`${file}: page 0x${page.toString(16)} of the DYNAMIC segment is mapped by no LOAD segment`);
    for (const load of mapping) {
      if (load.vaddr - load.offset !== shift)
        throw new Error(
          `${file}: LOAD segment ${load.index} maps page 0x${page.toString(16)} of DYNAMIC from other file bytes`,
        );
      if ((load.flags & PF_W) === 0 && !readOnlyLoads.includes(load.index)) readOnlyLoads.push(load.index);
    }
  }
  return { readOnlyLoads, dynamic: { start, end } };
}

/** The fixed file contents (a copy) and the LOAD segments made writable. */
export function fixDynamic(buf: Buffer, file: string): { fixed: Buffer; madeWritable: number[] } {
  const { readOnlyLoads } = analyseDynamic(buf, file);
  const fixed = Buffer.from(buf);
  const headers = programHeaders(fixed, file);
  for (const i of readOnlyLoads) fixed.writeUInt32LE(headers[i].flags | PF_W, headers[i].at + 4);
  return { fixed, madeWritable: readOnlyLoads };
}

function main(argv: string[]): number {
  const check = argv[0] === "--check";
  const file = check ? argv[1] : argv[0];
  if (!file) {
    console.error("usage: elf-dynamic-fix.ts [--check] FILE");
    return 2;
  }
  const buf = readFileSync(file);
  if (check) {
    const { readOnlyLoads } = analyseDynamic(buf, file);
    console.log(
      readOnlyLoads.length
        ? `${file}: LOAD segment(s) ${readOnlyLoads.join(", ")} map DYNAMIC read-only`
        : `${file}: DYNAMIC is writable`,
    );
    return readOnlyLoads.length ? 1 : 0;
  }
  const { fixed, madeWritable } = fixDynamic(buf, file);
  if (madeWritable.length === 0) {
    console.log(`${file}: DYNAMIC already writable, nothing to do`);
    return 0;
  }
  const tmp = `${file}.fix-tmp`;
  writeFileSync(tmp, fixed);
  chmodSync(tmp, statSync(file).mode);
  renameSync(tmp, file);
  console.log(`${file}: made LOAD segment(s) ${madeWritable.join(", ")} writable (they map the DYNAMIC segment)`);
  return 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = main(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exitCode = 2;
  }
}
