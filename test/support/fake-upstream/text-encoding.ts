/**
 * Encodes page text in the legacy charsets news sites still serve (upstreams.md:
 * "many French and Belgian sites still serve windows-1252 or ISO-8859-1"). Node's
 * Buffer has no windows-1252, and the fake must produce the exact bytes such a site
 * sends, so the table lives here.
 */
export function encodeText(text: string, charset: string): Buffer {
  const name = charset.trim().toLowerCase();
  if (name === 'utf-8' || name === 'utf8') return Buffer.from(text, 'utf8');
  if (name === 'iso-8859-1' || name === 'latin1') {
    return encodeSingleByte(text, name, (codePoint) => (codePoint <= 0xff ? codePoint : undefined));
  }
  if (name === 'windows-1252' || name === 'cp1252') {
    // windows-1252 puts printable characters (€, ’, …) where ISO-8859-1 has the C1 controls.
    return encodeSingleByte(text, name, (codePoint) =>
      codePoint < 0x80 || (codePoint >= 0xa0 && codePoint <= 0xff) ? codePoint : WINDOWS_1252_HIGH.get(codePoint),
    );
  }
  throw new Error(`encodeText: no encoder for charset "${charset}"; pass the body as a Buffer instead`);
}

function encodeSingleByte(text: string, charset: string, byteFor: (codePoint: number) => number | undefined): Buffer {
  const bytes: number[] = [];
  for (const char of text) {
    const byte = byteFor(char.codePointAt(0) ?? 0);
    if (byte === undefined) throw new Error(`encodeText: ${JSON.stringify(char)} cannot be written in ${charset}`);
    bytes.push(byte);
  }
  return Buffer.from(bytes);
}

const WINDOWS_1252_HIGH = new Map<number, number>([
  [0x20ac, 0x80],
  [0x201a, 0x82],
  [0x0192, 0x83],
  [0x201e, 0x84],
  [0x2026, 0x85],
  [0x2020, 0x86],
  [0x2021, 0x87],
  [0x02c6, 0x88],
  [0x2030, 0x89],
  [0x0160, 0x8a],
  [0x2039, 0x8b],
  [0x0152, 0x8c],
  [0x017d, 0x8e],
  [0x2018, 0x91],
  [0x2019, 0x92],
  [0x201c, 0x93],
  [0x201d, 0x94],
  [0x2022, 0x95],
  [0x2013, 0x96],
  [0x2014, 0x97],
  [0x02dc, 0x98],
  [0x2122, 0x99],
  [0x0161, 0x9a],
  [0x203a, 0x9b],
  [0x0153, 0x9c],
  [0x017e, 0x9e],
  [0x0178, 0x9f],
]);
