// CSV for spreadsheets, through csv-stringify: RFC 4180 quoting, CRLF after every record, a UTF-8 BOM so Excel shows
// the Chinese intact, and text a spreadsheet would run as a formula (CSV injection) defused.
import { stringify } from 'csv-stringify/sync';

export type CsvCell = string | number | null;

/**
 * Text starting with = + - @ is a formula to a spreadsheet; OWASP adds tab and CR, which some spreadsheets strip
 * before they look. Such text gets a leading apostrophe. Numbers are data, never formulas: -5 stays -5.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const defuse = (text: string) => (FORMULA_START.test(text) ? `'${text}` : text);

/** Every row must have as many cells as the header. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new RangeError(`Row ${i} has ${row.length} cells, the header ${header.length}.`);
  });
  return stringify([header, ...rows], {
    bom: true,
    record_delimiter: '\r\n',
    quoted_match: /[\r\n]/,
    cast: {
      string: defuse,
      // Non-finite numbers have no CSV form: an empty cell.
      number: (n) => (Number.isFinite(n) ? String(n) : ''),
    },
  });
}

/** Integer fen as yuan with two decimals, no grouping: 154000000 -> '1540000.00'. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a whole number, got ${fen}.`);
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
