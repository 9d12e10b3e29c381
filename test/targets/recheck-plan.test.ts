import { describe, expect, it } from 'vitest';
import { planRecheckParts } from '../../src/targets/recheck-plan.js';

describe('planRecheckParts', () => {
  it.each([
    { targets: 0, partSize: 10, parts: [] },
    { targets: 1, partSize: 10, parts: [1] },
    { targets: 10, partSize: 10, parts: [10] },
    { targets: 11, partSize: 10, parts: [6, 5] },
    { targets: 25, partSize: 10, parts: [9, 8, 8] },
    { targets: 1000, partSize: 100, parts: Array<number>(10).fill(100) },
  ])('$targets targets in parts of at most $partSize: sizes $parts', ({ targets, partSize, parts }) => {
    const keys = Array.from({ length: targets }, (_, n) => `post:${1000 + n}`);
    const plan = planRecheckParts(keys, { partSize });
    expect(plan.map((part) => part.targets.length)).toEqual(parts);
    expect(plan.every((part, index) => part.index === index && part.of === parts.length)).toBe(true);
    // every target in exactly one part
    expect(plan.flatMap((part) => part.targets).sort()).toEqual([...keys].sort());
  });

  it('drops duplicates', () => {
    expect(planRecheckParts(['post:1', 'post:1', 'post:2']).flatMap((part) => part.targets)).toEqual(['post:1', 'post:2']);
  });

  it("gives each part a share of every host rather than one host's targets", () => {
    const keys = [
      ...Array.from({ length: 50 }, (_, n) => `link:https://a.example/${n}`),
      ...Array.from({ length: 50 }, (_, n) => `link:https://b.example/${n}`),
    ];
    for (const part of planRecheckParts(keys, { partSize: 20 })) {
      const hosts = new Set(part.targets.map((key) => new URL(key.slice('link:'.length)).host));
      expect(hosts).toEqual(new Set(['a.example', 'b.example']));
    }
  });

  it('refuses a part size that is not a whole number of at least 1', () => {
    expect(() => planRecheckParts(['post:1'], { partSize: 0 })).toThrow(/partSize: expected a whole number/);
  });
});
