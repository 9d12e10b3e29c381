import { describe, expect, it } from 'vitest';
import { planRecheckParts } from '../../src/targets/recheck-plan.js';

const byName = { keyOf: (item: string) => item };

describe('planRecheckParts', () => {
  it.each([
    { items: 0, partSize: 10, parts: [] },
    { items: 1, partSize: 10, parts: [1] },
    { items: 10, partSize: 10, parts: [10] },
    { items: 11, partSize: 10, parts: [6, 5] },
    { items: 25, partSize: 10, parts: [9, 8, 8] },
    { items: 1000, partSize: 100, parts: Array<number>(10).fill(100) },
  ])('$items items in parts of at most $partSize: sizes $parts', ({ items, partSize, parts }) => {
    const docIds = Array.from({ length: items }, (_, n) => `doc-${1000 + n}`);
    const plan = planRecheckParts(docIds, { ...byName, partSize });
    expect(plan.map((part) => part.items.length)).toEqual(parts);
    expect(plan.every((part, index) => part.index === index && part.of === parts.length)).toBe(true);
    // every item in exactly one part
    expect(plan.flatMap((part) => part.items).sort()).toEqual([...docIds].sort());
  });

  it('drops duplicates by key', () => {
    const documents = [
      { docId: 'a', targets: ['post:1'] },
      { docId: 'a', targets: ['post:2'] },
      { docId: 'b', targets: ['post:1'] },
    ];
    expect(planRecheckParts(documents, { keyOf: (document) => document.docId }).flatMap((part) => part.items)).toEqual([
      documents[0],
      documents[2],
    ]);
  });

  it('refuses a part size that is not a whole number of at least 1', () => {
    expect(() => planRecheckParts(['a'], { ...byName, partSize: 0 })).toThrow(/partSize: expected a whole number/);
  });
});
