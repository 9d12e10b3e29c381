import { describe, expect, it } from 'vitest';
import { decodeHtmlBytes } from '../../src/extract/index.js';

const encoder = new TextEncoder();
/** "é — ’" in windows-1252. */
const WINDOWS_1252_BYTES = [0xe9, 0x20, 0x97, 0x20, 0x92];

function bytes(...parts: (string | number[])[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((part) => (typeof part === 'string' ? [...encoder.encode(part)] : part)));
}

describe('decodeHtmlBytes', () => {
  it('reads windows-1252 where nothing says otherwise', () => {
    expect(decodeHtmlBytes(bytes('<p>', WINDOWS_1252_BYTES, '</p>'))).toEqual({
      text: '<p>é — ’</p>',
      charset: 'windows-1252',
    });
  });

  it('reads valid UTF-8 with multi-byte characters as UTF-8 where nothing declares a charset', () => {
    expect(decodeHtmlBytes(bytes('<p>Zoë — 17 בספטמבר 2019</p>'))).toEqual({
      text: '<p>Zoë — 17 בספטמבר 2019</p>',
      charset: 'utf-8',
    });
    // Without a BOM, a label or <meta>, an undeclared header does not change that.
    expect(decodeHtmlBytes(bytes('<p>é</p>'), 'text/html').charset).toBe('utf-8');
  });

  it('keeps windows-1252 for bytes that are not valid UTF-8 or hold only ASCII', () => {
    // "Ã©" in windows-1252 is the UTF-8 of "é": one stray byte (0x97, an em dash) makes the whole page windows-1252.
    expect(decodeHtmlBytes(bytes('<p>', [0xc3, 0xa9, 0x20, 0x97], '</p>'))).toEqual({
      text: '<p>Ã© —</p>',
      charset: 'windows-1252',
    });
    expect(decodeHtmlBytes(bytes('<p>plain</p>')).charset).toBe('windows-1252');
  });

  it('lets a declared charset win over bytes that read as UTF-8', () => {
    expect(decodeHtmlBytes(bytes('<meta charset="windows-1252"><p>é</p>')).text).toBe(
      '<meta charset="windows-1252"><p>Ã©</p>',
    );
    expect(decodeHtmlBytes(bytes('<p>é</p>'), 'text/html; charset=iso-8859-1').text).toBe('<p>Ã©</p>');
  });

  it('reads ISO-8859-1 labels as windows-1252, as browsers do', () => {
    expect(decodeHtmlBytes(bytes('<p>', WINDOWS_1252_BYTES), 'text/html; charset=ISO-8859-1')).toEqual({
      text: '<p>é — ’',
      charset: 'windows-1252',
    });
  });

  it('follows the Content-Type charset, quoted or not', () => {
    expect(decodeHtmlBytes(bytes('<p>é</p>'), 'text/html; charset=utf-8')).toEqual({
      text: '<p>é</p>',
      charset: 'utf-8',
    });
    expect(decodeHtmlBytes(bytes('<p>é</p>'), 'text/html;charset="UTF-8"').charset).toBe('utf-8');
  });

  it('follows <meta charset> and <meta http-equiv> when the header names none', () => {
    expect(decodeHtmlBytes(bytes('<meta charset="utf-8"><p>é</p>'), 'text/html').text).toBe(
      '<meta charset="utf-8"><p>é</p>',
    );
    const httpEquiv = '<meta http-equiv="Content-Type" content="text/html; charset=windows-1252"><p>';
    expect(decodeHtmlBytes(bytes(httpEquiv, WINDOWS_1252_BYTES))).toEqual({
      text: `${httpEquiv}é — ’`,
      charset: 'windows-1252',
    });
  });

  it('lets the Content-Type charset win over <meta>', () => {
    expect(
      decodeHtmlBytes(bytes('<meta charset="utf-8"><p>', WINDOWS_1252_BYTES), 'text/html; charset=windows-1252').text,
    ).toBe('<meta charset="utf-8"><p>é — ’');
  });

  it('lets a byte order mark win over everything, and drops it', () => {
    expect(decodeHtmlBytes(bytes([0xef, 0xbb, 0xbf], '<p>é</p>'), 'text/html; charset=windows-1252')).toEqual({
      text: '<p>é</p>',
      charset: 'utf-8',
    });
    const utf16 = Uint8Array.from([0xff, 0xfe, ...[...'<p>é</p>'].flatMap((char) => [char.charCodeAt(0), 0])]);
    expect(decodeHtmlBytes(utf16)).toEqual({ text: '<p>é</p>', charset: 'utf-16le' });
  });

  it('reads a view into a larger buffer by its own bounds', () => {
    const backing = bytes('xx<p>é</p>yy');
    expect(decodeHtmlBytes(backing.subarray(2, backing.length - 2), 'text/html; charset=utf-8').text).toBe('<p>é</p>');
  });
});
