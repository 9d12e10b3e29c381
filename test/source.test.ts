import { describe, expect, it } from 'vitest';
import { decodePlainText, loadSource } from '../src/source.js';

describe('plain text decoding', () => {
  it.each([
    ['UTF-8', Buffer.from('Alerte à la bombe — écoles', 'utf8'), 'Alerte à la bombe — écoles'],
    ['UTF-8 with a BOM', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('écoles', 'utf8')]), 'écoles'],
    ['UTF-16LE with a BOM', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('écoles', 'utf16le')]), 'écoles'],
    [
      'windows-1252, not valid UTF-8',
      Buffer.from([0x45, 0x63, 0x6f, 0x6c, 0x65, 0x73, 0x20, 0x96, 0x20, 0xe9, 0x74, 0xe9, 0x20, 0x80]),
      'Ecoles – été €',
    ],
  ])('reads %s', (_name, bytes, text) => {
    expect(decodePlainText(bytes)).toBe(text);
  });

  it('loads a UTF-16 text file despite its NUL bytes, and refuses binary data', async () => {
    const utf16 = await loadSource({ text: 'x' });
    expect(utf16.mediaType).toBe('text/plain');
    await expect(loadSource({ stdin: true }, { stdin: [Buffer.from([0x00, 0x01, 0x02, 0xff])] })).rejects.toThrow(
      /standard input: looks like binary data, expected an HTML or plain-text article/,
    );
    const fromStdin = await loadSource(
      { stdin: true },
      { stdin: [Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('— A (@a) May 5, 2020', 'utf16le')])] },
    );
    expect(fromStdin.text).toBe('— A (@a) May 5, 2020');
  });
});
