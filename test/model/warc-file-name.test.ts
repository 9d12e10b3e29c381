import { describe, expect, it } from 'vitest';
import { parseWarcFileName } from '../../src/model/index.js';

describe('parseWarcFileName: what a WARC file name says of its file', () => {
  it.each([
    [
      'citesnap-20261130165920556-vm-15443-00000.warc.gz',
      { createdAt: Date.parse('2026-11-30T16:59:20.556Z'), writer: 'vm-15443', sequence: 0 },
    ],
    // A host name with dashes: the pid and the sequence are the last two numbers.
    [
      'citesnap-20000101000000000-worker-a-1.example-7-00012.warc.gz',
      { createdAt: Date.parse('2000-01-01T00:00:00.000Z'), writer: 'worker-a-1.example-7', sequence: 12 },
    ],
  ])('%s', (name, parts) => {
    expect(parseWarcFileName(name)).toEqual(parts);
  });

  it.each([
    'other-20261130165920556-vm-15443-00000.warc.gz',
    'citesnap-2026113016592055-vm-15443-00000.warc.gz',
    'citesnap-20261130165920556-vm-15443-00000.warc',
    'citesnap-20261399165920556-vm-15443-00000.warc.gz',
  ])('refuses %s', (name) => {
    expect(parseWarcFileName(name)).toBeUndefined();
  });
});
