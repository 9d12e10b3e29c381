import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

// Docker does not run on the test machines: these read the files for what the
// contract needs of them (sections 2 and 9) and BullMQ's production advice.

const ROOT = new URL('../../', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, ROOT), 'utf8');

/**
 * The blocks of a YAML mapping's children, by key, for a document that indents with
 * two spaces: enough to find a service and look inside it, not a YAML parser.
 */
function childBlocks(text: string, indent: number): Map<string, string> {
  const blocks = new Map<string, string>();
  let current: string | undefined;
  for (const line of text.split('\n')) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    const key = new RegExp(`^ {${indent}}([A-Za-z0-9_.-]+):`).exec(line)?.[1];
    if (key !== undefined) {
      current = key;
      blocks.set(key, `${line}\n`);
    } else if (current !== undefined && line.startsWith(' '.repeat(indent + 1))) {
      blocks.set(current, `${blocks.get(current) ?? ''}${line}\n`);
    } else {
      current = undefined;
    }
  }
  return blocks;
}

/** A flow sequence (`["a", "b"]`) or block sequence under `key` in a service, as strings. */
function sequence(block: string, key: string): string[] {
  const flow = new RegExp(`^\\s+${key}:\\s*\\[(.*)\\]\\s*$`, 'm').exec(block)?.[1];
  if (flow !== undefined) return (JSON.parse(`[${flow}]`) as unknown[]).map(String);
  const items = new RegExp(`^(\\s+)${key}:\\s*\\n((?:\\1\\s+-.*\\n)+)`, 'm').exec(block)?.[2] ?? '';
  return items
    .split('\n')
    .filter(Boolean)
    .map((item) => item.replace(/^\s*-\s*/, '').replace(/^"(.*)"$/, '$1'));
}

describe('docker-compose.yml', () => {
  const top = childBlocks(read('docker-compose.yml'), 0);
  const services = childBlocks(top.get('services') ?? '', 2);

  it('runs Redis 7 with noeviction and AOF on, persisted', () => {
    const redis = services.get('redis') ?? '';
    expect(redis).toMatch(/^\s+image:\s*redis:7\b/m);
    const command = sequence(redis, 'command');
    expect(command[0]).toBe('redis-server');
    expect(command[command.indexOf('--maxmemory-policy') + 1]).toBe('noeviction');
    expect(command[command.indexOf('--appendonly') + 1]).toBe('yes');
    expect(sequence(redis, 'volumes').some((volume) => volume.endsWith(':/data'))).toBe(true);
    expect(sequence(redis, 'ports')).toContain('127.0.0.1:6379:6379');
  });

  it('runs a worker built from the Dockerfile on that Redis, with the data dir on a shared volume', () => {
    const worker = services.get('worker') ?? '';
    expect(worker).toMatch(/^\s+build:\s*\.\s*$/m);
    expect(sequence(worker, 'command')[0]).toBe('worker');
    expect(worker).toMatch(/^\s+REDIS_URL:\s*redis:\/\/redis:6379\s*$/m);
    const dataDir = /^\s+CITESNAP_DATA_DIR:\s*(\S+)\s*$/m.exec(worker)?.[1];
    expect(dataDir).toBe('/data');
    expect(sequence(worker, 'volumes')).toContain('citesnap-data:/data');
    expect(childBlocks(top.get('volumes') ?? '', 2).has('citesnap-data')).toBe(true);
    expect(worker).toMatch(/condition:\s*service_healthy/);
  });

  it('gives a stopping worker longer than its own shutdown grace', () => {
    const worker = services.get('worker') ?? '';
    const seconds = (value: string | undefined) => Number(/^(\d+)s$/.exec(value ?? '')?.[1]);
    const stopGrace = seconds(/^\s+stop_grace_period:\s*(\S+)/m.exec(worker)?.[1]);
    const shutdownGrace = seconds(/^\s+CITESNAP_SHUTDOWN_GRACE:\s*(\S+)/m.exec(worker)?.[1]);
    expect(stopGrace).toBeGreaterThan(shutdownGrace);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');

  it('builds on node:20-slim with npm ci and runs `citesnap worker`', () => {
    expect(dockerfile.match(/^FROM node:20-slim\b/gm)?.length).toBeGreaterThanOrEqual(1);
    expect(dockerfile).toMatch(/^RUN npm ci\b/m);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["citesnap"\]$/m);
    expect(dockerfile).toMatch(/^CMD \["worker"/m);
  });

  it("links the citesnap command to the package's own bin", () => {
    const linked = /^RUN ln -s \/app\/(\S+) \/usr\/local\/bin\/citesnap\b/m.exec(dockerfile)?.[1];
    const { bin } = JSON.parse(read('package.json')) as { bin: { citesnap: string } };
    expect(linked).toBe(bin.citesnap);
  });

  it('copies what the build needs, which .dockerignore leaves in', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'));
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((match) =>
      (match[1] ?? '').split(/\s+/),
    );
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src', 'workers', 'bin']));
    for (const path of copied) expect(ignored).not.toContain(path);
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', 'citesnap-data']));
  });
});
