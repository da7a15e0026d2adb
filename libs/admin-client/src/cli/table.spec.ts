import { formatBlock, formatTable } from './table';

describe('formatTable', () => {
  it('aligns each column to its widest cell, numbers to the right, with no trailing spaces', () => {
    const out = formatTable(
      [{ header: 'NAME' }, { header: 'N', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '1', 'x'],
        ['longer', '1234', ''],
      ],
    );
    expect(out.split('\n')).toEqual(['NAME       N  NOTE', 'a          1  x', 'longer  1234']);
  });

  it('pads a short row and puts a multi-line cell on one line', () => {
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [['x'], ['y\nz', 'w\tv']]).split('\n')).toEqual(['A    B', 'x', 'y z  w v']);
  });

  it('counts code points, so an accented or emoji cell keeps its row aligned', () => {
    expect(formatTable([{ header: 'X' }, { header: 'Y' }], [['é🙂', '1'], ['ab', '2']]).split('\n')).toEqual(['X   Y', 'é🙂  1', 'ab  2']);
  });

  it('is just the header for no rows', () => {
    expect(formatTable([{ header: 'A' }, { header: 'B' }], [])).toBe('A  B');
  });
});

describe('formatBlock', () => {
  it('aligns values after the longest label and indents further lines of a value', () => {
    expect(formatBlock([['id', '7'], ['lineage', 'v2\n<- v1'], ['empty', '']]).split('\n')).toEqual([
      'id       7',
      'lineage  v2',
      '         <- v1',
      'empty',
    ]);
  });
});
