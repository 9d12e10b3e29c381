import { describe, expect, it } from 'vitest';
import { createJsonLogger, errorFields } from '../../workers/log.js';

describe('createJsonLogger', () => {
  it('writes one JSON object a line, with the event, the child fields and no undefined values', () => {
    const lines: string[] = [];
    const log = createJsonLogger({
      write: (line) => lines.push(line),
      now: () => new Date('2026-01-02T03:04:05.000Z'),
      fields: { worker: 'w1' },
    });
    log.child({ queue: 'documents', jobId: '7' }).info('job.completed', { docId: 'a', skipped: undefined, n: 10n });
    log.debug('not shown');
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith('\n')).toBe(true);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: '2026-01-02T03:04:05.000Z',
      level: 'info',
      event: 'job.completed',
      worker: 'w1',
      queue: 'documents',
      jobId: '7',
      docId: 'a',
      n: '10',
    });
  });

  it('keeps a multi-line message on one line and survives cycles', () => {
    const lines: string[] = [];
    const log = createJsonLogger({ write: (line) => lines.push(line), level: 'debug' });
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    log.error('job.error', { ...errorFields(new Error('two\nlines')), cycle });
    expect(lines[0]?.split('\n')).toHaveLength(2);
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      level: 'error',
      error: 'two\nlines',
      cycle: { self: '[circular]' },
    });
  });

  it('names an error by its message and code', () => {
    expect(errorFields(Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }))).toEqual({
      error: 'refused',
      code: 'ECONNREFUSED',
    });
    expect(errorFields('plain')).toEqual({ error: 'plain' });
  });
});
