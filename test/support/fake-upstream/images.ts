import { crc32, deflateSync } from 'node:zlib';

export interface ImageOptions {
  width: number;
  height: number;
  /** Stored in the file, so that two photos, or two sizes of one, never share bytes. */
  comment: string;
}

/**
 * A valid baseline JPEG of the given size, all mid-grey. With one grey channel and
 * every coefficient zero, each 8x8 block codes as two bits (DC difference 0, then
 * end-of-block) under one-symbol Huffman tables, so even a 4096x4096 image is 64 KiB
 * and needs no encoder.
 */
export function greyJpeg({ width, height, comment }: ImageOptions): Buffer {
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const bits = blocks * 2;
  const scan = Buffer.alloc(Math.ceil(bits / 8));
  // The zero bits are the data; JPEG pads the last byte with one bits.
  if (bits % 8 !== 0) scan[scan.length - 1] = 0xff >> (bits % 8);
  const oneSymbolTable = (tableClass: number): Buffer =>
    Buffer.from([tableClass, 1, ...new Array<number>(15).fill(0), 0x00]);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    jpegSegment(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 1, 0, 1, 0, 0])),
    jpegSegment(0xfe, Buffer.from(comment, 'utf8')),
    jpegSegment(0xdb, Buffer.from([0x00, ...new Array<number>(64).fill(1)])),
    jpegSegment(0xc0, Buffer.from([8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0])),
    jpegSegment(0xc4, oneSymbolTable(0x00)),
    jpegSegment(0xc4, oneSymbolTable(0x10)),
    jpegSegment(0xda, Buffer.from([1, 1, 0x00, 0, 63, 0])),
    scan,
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** A valid 8-bit greyscale PNG of the given size, all mid-grey. */
export function greyPng({ width, height, comment }: ImageOptions): Buffer {
  const rowLength = width + 1;
  const pixels = Buffer.alloc(rowLength * height, 0x80);
  // Each row starts with its filter type: 0, none.
  for (let row = 0; row < height; row += 1) pixels[row * rowLength] = 0;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 0, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', header),
    pngChunk('tEXt', Buffer.from(`Comment\0${comment}`, 'latin1')),
    pngChunk('IDAT', deflateSync(pixels)),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

function jpegSegment(marker: number, payload: Buffer): Buffer {
  const head = Buffer.from([0xff, marker, 0, 0]);
  head.writeUInt16BE(payload.length + 2, 2);
  return Buffer.concat([head, payload]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const checksum = Buffer.alloc(4);
  checksum.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, checksum]);
}
