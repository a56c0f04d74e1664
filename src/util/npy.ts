/**
 * NumPy's .npy format, version 1.0, for a 2-D float64 array (what numpy.save writes for an
 * n x P array of floats, and numpy.load reads back): the magic "\x93NUMPY", the version (1, 0),
 * the header length (uint16, little-endian), the header (a Python dict literal padded with
 * spaces and ended by a newline so that the data start at a multiple of 64 bytes), then the
 * values row by row as little-endian doubles.
 */

const MAGIC = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
/** Magic, version and the header length before the header. */
const PREAMBLE = MAGIC.length + 2 + 2;
const ALIGN = 64;

/** The bytes of an .npy file holding `rows` (n rows of `columns` numbers) as float64. */
export function encodeNpyFloat64(rows: readonly (readonly number[])[], columns: number): Buffer {
  rows.forEach((r, i) => {
    if (r.length !== columns) throw new Error(`npy: row ${i} has ${r.length} values, expected ${columns}`);
  });
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${rows.length}, ${columns}), }`;
  const padded = Math.ceil((PREAMBLE + dict.length + 1) / ALIGN) * ALIGN - PREAMBLE;
  const header = `${dict}${" ".repeat(padded - dict.length - 1)}\n`;
  const out = Buffer.alloc(PREAMBLE + header.length + rows.length * columns * 8);
  MAGIC.copy(out, 0);
  out.writeUInt8(1, 6);
  out.writeUInt8(0, 7);
  out.writeUInt16LE(header.length, 8);
  out.write(header, PREAMBLE, "latin1");
  let at = PREAMBLE + header.length;
  for (const r of rows)
    for (const v of r) {
      out.writeDoubleLE(v, at);
      at += 8;
    }
  return out;
}
