// server/http/body.ts: a JSON body that does not parse is refused with where it stops being JSON, as
// line and column (in characters, 1-based), found by jsonc-parser since V8's messages no longer say.
import { describe, expect, it } from 'vitest';
import { invalidJsonMessage } from '../../../server/http/body.ts';
import { invalidJsonAt, JSON_SCALAR_MESSAGE } from '../../../server/core/messages.ts';

describe('invalidJsonMessage', () => {
  it.each([
    ['a missing value', '{"a":}', 1, 6],
    ['a body cut short', '{"project_title":', 1, 18],
    ['a bare word on the third line', '{\n  "a": 1,\n  "b": x\n}', 3, 8],
    ['text after the document', '{"a":1} x', 1, 9],
    ['a trailing comma', '{"a":1,}', 1, 8],
    ['a missing colon', '{"a" 1}', 1, 6],
    ['a leading zero', '{"a": 01}', 1, 8],
    ['NaN', '{"a": NaN}', 1, 7],
    ['an unclosed array', '[1,2', 1, 5],
    ['characters outside ASCII before the error, counted as one column each', '{"é": "ü" x}', 1, 11],
    ['a raw control character in a string (at the string)', '{"a":"\u0001"}', 1, 6],
  ])('%s', (_label, body, line, column) => {
    expect(invalidJsonMessage(body)).toBe(invalidJsonAt(line, column));
  });

  it('a valid JSON scalar is named as such', () => {
    expect(invalidJsonMessage('"text"')).toBe(JSON_SCALAR_MESSAGE);
    expect(invalidJsonMessage('42')).toBe(JSON_SCALAR_MESSAGE);
  });
});
