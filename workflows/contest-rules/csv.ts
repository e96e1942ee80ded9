export type CsvCell = string | number | null;

/** Lets Excel detect UTF-8, so Chinese names are not shown as mojibake. */
const BOM = '\uFEFF';

/**
 * Text that a spreadsheet would evaluate as a formula (CSV injection). Besides = + - @ this also covers
 * tab and CR, which OWASP lists because some spreadsheets strip them and then see the formula.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: CsvCell): string {
  let text: string;
  if (value === null) text = '';
  // Numbers are data, never formulas: -5 stays -5. Non-finite numbers have no CSV form, so they are left blank.
  else if (typeof value === 'number') text = Number.isFinite(value) ? String(value) : '';
  else text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * RFC 4180 CSV: fields with a comma, quote, CR or LF are quoted with inner quotes doubled; every record, the
 * last included, ends in CRLF; UTF-8 BOM first. Every row must have as many cells as the header.
 */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  rows.forEach((row, i) => {
    if (row.length !== header.length) throw new RangeError(`Row ${i} has ${row.length} cells, the header ${header.length}.`);
  });
  return BOM + [header, ...rows].map((r) => r.map(cell).join(',') + '\r\n').join('');
}

/** Integer fen as yuan with two decimals, no grouping: 154000000 -> '1540000.00'. */
export function fenToYuan(fen: number): string {
  if (!Number.isSafeInteger(fen)) throw new RangeError(`fen must be a whole number, got ${fen}.`);
  const abs = Math.abs(fen);
  return `${fen < 0 ? '-' : ''}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}
