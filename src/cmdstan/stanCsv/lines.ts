/** Line reader over a whole Stan CSV text, for the per-block readers. */
import { StanCsvError } from "../../util/errors.js";

/**
 * Hands out the lines of the text one by one and knows where each lies: its number (for error
 * messages), its offsets in the text (the draw scanner works on offsets, not on sliced lines)
 * and whether it ended in '\n' (a last line without one means the file was cut off).
 */
export class Lines {
  private pos = 0;
  lineNo = 0;
  terminated = true;
  /** Where the last line returned by next() lies in the text (end excludes '\n' and a final '\r'). */
  lineStart = 0;
  lineEnd = 0;
  constructor(
    private readonly text: string,
    /** The file the text came from, named in every error. */
    readonly file: string,
  ) {}

  next(): string | null {
    const text = this.text;
    if (this.pos >= text.length) return null;
    let end = text.indexOf("\n", this.pos);
    this.lineStart = this.pos;
    if (end < 0) {
      end = text.length;
      this.pos = text.length;
      this.terminated = false;
    } else {
      this.pos = end + 1;
      this.terminated = true;
    }
    if (end > this.lineStart && text.charCodeAt(end - 1) === 13) end--;
    this.lineEnd = end;
    this.lineNo++;
    return text.slice(this.lineStart, end);
  }

  /** Look at the next line without consuming it. */
  peek(): string | null {
    const save = {
      pos: this.pos,
      lineNo: this.lineNo,
      terminated: this.terminated,
      lineStart: this.lineStart,
      lineEnd: this.lineEnd,
    };
    const line = this.next();
    Object.assign(this, save);
    return line;
  }

  /** Next line, which must be a comment; returns its content after '#', trimmed. */
  needComment(what: string): string {
    const l = this.next();
    if (l === null) throw new StanCsvError(`file ends where ${what} was expected`, this.file, this.lineNo);
    if (!l.startsWith("#"))
      throw new StanCsvError(`expected ${what}, found '${l.slice(0, 60)}'`, this.file, this.lineNo);
    return l.slice(1).trim();
  }
}
