/**
 * The header row of a Stan CSV file: one column per scalar, containers flattened to
 * `name.i.j` in column-major order (first index fastest). Read with csv-parse, then grouped
 * into variables with their shapes, and the columns to keep selected.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { StanCsvError } from "../../util/errors.js";
import type { StanVariable } from "./types.js";

export interface ColumnSelection {
  /** Every column of the header row, in file order. */
  columnNames: string[];
  /** The selected variables (all when no subset was asked for), in file order. */
  variables: StanVariable[];
  /** Column index -> its slot among the selected columns, -1 when not selected. */
  slot: Int32Array;
  /** Slot -> column name. */
  slotNames: string[];
}

/** `beta.1.2.1` -> `beta[1,2,1]`; names without indices are returned unchanged. */
export function bracketName(csvColumn: string): string {
  const dot = csvColumn.indexOf(".");
  if (dot < 0) return csvColumn;
  return `${csvColumn.slice(0, dot)}[${csvColumn
    .slice(dot + 1)
    .split(".")
    .join(",")}]`;
}

/** The header row -> column names, variables and the selection of `wanted` variables (all when undefined). */
export function readColumnNames(
  file: string,
  header: string,
  headerLine: number,
  wanted: string[] | undefined,
): ColumnSelection {
  const columnNames = parseHeaderRow(file, header, headerLine);
  const allVars = columnsToVariables(file, columnNames, headerLine);
  const variables = wanted ? selectVariables(file, allVars, wanted, headerLine) : allVars;
  const selectedCols = new Set<string>();
  for (const v of variables) for (const c of v.columnNames) selectedCols.add(c);
  const slot = new Int32Array(columnNames.length).fill(-1);
  const slotNames: string[] = [];
  columnNames.forEach((c, j) => {
    if (selectedCols.has(c)) {
      slot[j] = slotNames.length;
      slotNames.push(c);
    }
  });
  return { columnNames, variables, slot, slotNames };
}

function selectVariables(file: string, allVars: StanVariable[], wanted: string[], headerLine: number): StanVariable[] {
  const byName = new Map(allVars.map((v) => [v.name, v]));
  const missing = wanted.filter((n) => !byName.has(n));
  if (missing.length > 0)
    throw new StanCsvError(
      `variable${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} not in the header (has: ${allVars.map((v) => v.name).join(", ")})`,
      file,
      headerLine,
    );
  const set = new Set(wanted);
  return allVars.filter((v) => set.has(v.name));
}

const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[1-9][0-9]*)*$/;

function parseHeaderRow(file: string, line: string, lineNo: number): string[] {
  let records: string[][];
  try {
    records = parseCsv(line, { relax_column_count: false }) as string[][];
  } catch (e) {
    throw new StanCsvError(`header row is not valid CSV: ${(e as Error).message}`, file, lineNo);
  }
  if (records.length !== 1) throw new StanCsvError(`header row is not a single CSV record`, file, lineNo);
  const cols = records[0];
  const seen = new Set<string>();
  cols.forEach((c, i) => {
    if (c === "") throw new StanCsvError(`header column ${i + 1} is empty`, file, lineNo);
    if (!COLUMN_NAME.test(c))
      throw new StanCsvError(
        `header column ${i + 1} '${c}' is not a Stan output name (name, or name.i.j with positive indices)`,
        file,
        lineNo,
      );
    if (seen.has(c)) throw new StanCsvError(`header column ${i + 1} '${c}' appears twice`, file, lineNo);
    seen.add(c);
  });
  return cols;
}

/** A container's columns: where they start in the header and the indices of each. */
interface ContainerColumns {
  file: string;
  headerLine: number;
  columns: string[];
  base: string;
  start: number;
  idx: number[][];
}

/** Group header columns into variables; validates names, contiguity and column-major order. */
function columnsToVariables(file: string, columns: string[], headerLine: number): StanVariable[] {
  const vars: StanVariable[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < columns.length) {
    const first = columns[i];
    const dot = first.indexOf(".");
    const base = dot < 0 ? first : first.slice(0, dot);
    if (seen.has(base))
      throw new StanCsvError(
        `column ${i + 1} '${first}': variable '${base}' appears twice in the header (its columns are not contiguous)`,
        file,
        headerLine,
      );
    seen.add(base);
    if (dot < 0) {
      vars.push({ name: base, dims: [], columnNames: [first] });
      i++;
      continue;
    }
    // The contiguous run of columns base.<i>.<j>...
    const start = i;
    const idx: number[][] = [];
    for (; i < columns.length && columns[i].startsWith(base + "."); i++)
      idx.push(
        columns[i]
          .slice(base.length + 1)
          .split(".")
          .map(Number),
      );
    const container: ContainerColumns = { file, headerLine, columns, base, start, idx };
    const dims = containerDims(container);
    checkColumnMajor(container, dims);
    vars.push({ name: base, dims, columnNames: rowMajorNames(base, dims) });
  }
  return vars;
}

/** The shape: the largest index in each dimension; every column must have as many indices, and every cell a column. */
function containerDims({ file, headerLine, columns, base, start, idx }: ContainerColumns): number[] {
  const k = idx[0].length;
  const dims = new Array<number>(k).fill(0);
  for (let r = 0; r < idx.length; r++) {
    if (idx[r].length !== k)
      throw new StanCsvError(
        `column ${start + r + 1} '${columns[start + r]}' has ${idx[r].length} indices, other columns of '${base}' have ${k}`,
        file,
        headerLine,
      );
    for (let d = 0; d < k; d++) if (idx[r][d] > dims[d]) dims[d] = idx[r][d];
  }
  const size = dims.reduce((a, b) => a * b, 1);
  if (size !== idx.length)
    throw new StanCsvError(
      `variable '${base}' has ${idx.length} columns but its indices span [${dims.join(",")}] = ${size} cells`,
      file,
      headerLine,
    );
  return dims;
}

/** The columns must come in CmdStan's order, first index fastest (the draws are matched to names by position). */
function checkColumnMajor({ file, headerLine, columns, base, start, idx }: ContainerColumns, dims: number[]): void {
  const k = dims.length;
  const cur = new Array<number>(k).fill(1);
  for (let r = 0; r < idx.length; r++) {
    for (let d = 0; d < k; d++) {
      if (idx[r][d] !== cur[d])
        throw new StanCsvError(
          `column ${start + r + 1} '${columns[start + r]}' is out of the column-major order CmdStan writes (expected '${base}.${cur.join(".")}')`,
          file,
          headerLine,
        );
    }
    for (let d = 0; d < k; d++) {
      if (cur[d] < dims[d]) {
        cur[d]++;
        break;
      }
      cur[d] = 1;
    }
  }
}

/** The column names of a container listed row-major (last index fastest), as the variable reports them. */
function rowMajorNames(base: string, dims: number[]): string[] {
  const k = dims.length;
  const size = dims.reduce((a, b) => a * b, 1);
  const names: string[] = [];
  const t = new Array<number>(k).fill(1);
  for (let r = 0; r < size; r++) {
    names.push(`${base}.${t.join(".")}`);
    for (let d = k - 1; d >= 0; d--) {
      if (t[d] < dims[d]) {
        t[d]++;
        break;
      }
      t[d] = 1;
    }
  }
  return names;
}
