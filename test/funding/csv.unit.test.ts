import { fenToYuan, toCsv } from '../../api/funding/csv';

const BOM = '\uFEFF';

describe('toCsv', () => {
  test('starts with a UTF-8 BOM and ends every record with CRLF; Chinese text is kept as is', () => {
    expect(toCsv(['项目', '得分'], [['助老食堂', 88.5], ['青少年课堂', null]])).toBe(`${BOM}项目,得分\r\n助老食堂,88.5\r\n青少年课堂,\r\n`);
  });

  test('fields with comma, quote, CR or LF are quoted with inner quotes doubled', () => {
    const csv = toCsv(['a', 'b', 'c', 'd'], [['x,y', 'say "hi"', 'line1\nline2', 'cr\r']]);
    expect(csv).toBe(`${BOM}a,b,c,d\r\n"x,y","say ""hi""","line1\nline2","cr\r"\r\n`);
  });

  test('text starting with = + - @ gets a leading apostrophe; numbers are left alone', () => {
    const csv = toCsv(['t'], [['=HYPERLINK("http://x")'], ['+1'], ['-2'], ['@SUM(A1)'], ['\tcmd'], [-5], ['a=b']]);
    expect(csv.slice(1).split('\r\n')).toEqual(['t', `"'=HYPERLINK(""http://x"")"`, "'+1", "'-2", "'@SUM(A1)", "'\tcmd", '-5', 'a=b', '']);
  });

  test('non-finite numbers are written as empty cells', () => {
    expect(toCsv(['n'], [[NaN], [Infinity]])).toBe(`${BOM}n\r\n\r\n\r\n`);
  });

  test('a row whose length differs from the header throws RangeError', () => {
    expect(() => toCsv(['a', 'b'], [['only one']])).toThrow(RangeError);
  });
});

describe('fenToYuan', () => {
  test('Weihai 1,540,000 yuan in fen gives 1540000.00', () => {
    expect(fenToYuan(154_000_000)).toBe('1540000.00');
  });

  test('small, zero and negative amounts keep two decimals', () => {
    expect(fenToYuan(5)).toBe('0.05');
    expect(fenToYuan(0)).toBe('0.00');
    expect(fenToYuan(-1999)).toBe('-19.99');
  });

  test('a fractional fen amount throws RangeError', () => {
    expect(() => fenToYuan(1.5)).toThrow(RangeError);
  });
});
