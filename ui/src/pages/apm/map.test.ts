import { describe, expect, it } from 'vitest';
import { apiSplit, buildMapGraph, edgeLabel, layeredLayout, nodeLabel, parseNodeId, parseSplit } from './map';
import type { ServiceMapResponse } from './types';

const split: ServiceMapResponse = {
  nodes: [
    { id: 'productpage:prod:v1', service: 'productpage', env: 'prod', version: 'v1', requests: 10, errors: 0, error_rate: 0, avg_us: 20000, p99_us: 20000 },
    { id: 'reviews:prod:v1', service: 'reviews', env: 'prod', version: 'v1', requests: 7, errors: 0, error_rate: 0, avg_us: 10000, p99_us: 11000 },
    { id: 'reviews:canary:v2', service: 'reviews', env: 'canary', version: 'v2', requests: 3, errors: 1, error_rate: 1 / 3, avg_us: 20000, p99_us: 30000 },
    { id: 'reviews:prod:v2', service: 'reviews', env: 'prod', version: 'v2', requests: 2, errors: 0, error_rate: 0, avg_us: 5000, p99_us: 6000 },
  ],
  edges: [
    { source: 'productpage:prod:v1', target: 'reviews:prod:v1', calls: 7, errors: 0, error_rate: 0, avg_us: 10000, p99_us: 11000 },
    { source: 'productpage:prod:v1', target: 'reviews:canary:v2', calls: 3, errors: 1, error_rate: 1 / 3, avg_us: 20000, p99_us: 30000 },
    { source: 'productpage:prod:v1', target: 'reviews:prod:v2', calls: 2, errors: 0, error_rate: 0, avg_us: 5000, p99_us: 6000 },
  ],
};

describe('map graph', () => {
  it('labels nodes by split mode', () => {
    expect(nodeLabel('reviews', 'canary', 'v2', 'none')).toBe('reviews');
    expect(nodeLabel('reviews', 'canary', 'v2', 'version')).toBe('reviews@v2');
    expect(nodeLabel('reviews', 'canary', 'v2', 'env')).toBe('reviews@canary');
    expect(nodeLabel('reviews', '', 'v2', 'env,version')).toBe('reviews@–/v2');
    expect(nodeLabel('web', '', '', 'version')).toBe('web');
    expect(parseSplit('version')).toBe('version');
    expect(parseSplit('bogus')).toBe('none');
  });
  it('labels edges with calls, error % and p99', () => {
    expect(edgeLabel({ calls: 10, error_rate: 0.1, p99_us: 2500 })).toBe('10 calls · 10% err · p99 2.5 ms');
    expect(edgeLabel({ calls: 1, error_rate: 0, p99_us: null })).toBe('1 call · 0% err · p99 –');
  });
  it('keeps the full split as the server sent it', () => {
    const g = buildMapGraph(split, 'env,version');
    expect(g.nodes.map((n) => n.label)).toEqual(['productpage@prod/v1', 'reviews@canary/v2', 'reviews@prod/v1', 'reviews@prod/v2']);
    expect(g.edges).toHaveLength(3);
    expect(g.edges.find((e) => e.target === 'reviews:canary:v2')!.label).toBe('3 calls · 33.3% err · p99 30 ms');
  });
  it('takes the server version split as is (node ids with the env left empty)', () => {
    const byVersion: ServiceMapResponse = {
      nodes: [
        { id: 'productpage::v1', service: 'productpage', env: '', version: 'v1', requests: 10, errors: 0, error_rate: 0, avg_us: 20000, p99_us: 20000 },
        { id: 'reviews::v1', service: 'reviews', env: '', version: 'v1', requests: 7, errors: 0, error_rate: 0, avg_us: 10000, p99_us: 11000 },
        { id: 'reviews::v2', service: 'reviews', env: '', version: 'v2', requests: 5, errors: 1, error_rate: 0.2, avg_us: 14000, p99_us: 29000 },
      ],
      edges: [
        { source: 'productpage::v1', target: 'reviews::v1', calls: 7, errors: 0, error_rate: 0, avg_us: 10000, p99_us: 11000 },
        { source: 'productpage::v1', target: 'reviews::v2', calls: 5, errors: 1, error_rate: 0.2, avg_us: 14000, p99_us: 29000 },
      ],
    };
    const g = buildMapGraph(byVersion, 'version');
    expect(g.nodes.map((n) => n.label)).toEqual(['productpage@v1', 'reviews@v1', 'reviews@v2']);
    const v2 = g.nodes.find((n) => n.label === 'reviews@v2')!;
    expect(v2).toMatchObject({ id: 'reviews::v2', service: 'reviews', requests: 5, errors: 1, error_rate: 0.2, avg_us: 14000, p99_us: 29000 });
    const e = g.edges.find((x) => x.target === v2.id)!;
    expect(e).toMatchObject({ source: 'productpage::v1', calls: 5, errors: 1 });
    expect(e.label).toBe('5 calls · 20% err · p99 29 ms');
  });
  it('labels an env split', () => {
    const g = buildMapGraph({
      nodes: [
        { id: 'reviews:prod:', service: 'reviews', env: 'prod', version: '', requests: 9, errors: 0, error_rate: 0, avg_us: 1, p99_us: 1 },
        { id: 'reviews:canary:', service: 'reviews', env: 'canary', version: '', requests: 3, errors: 1, error_rate: 1 / 3, avg_us: 1, p99_us: 1 },
      ],
      edges: [],
    }, 'env');
    expect(g.nodes.map((n) => n.label)).toEqual(['reviews@canary', 'reviews@prod']);
    expect(g.nodes.find((n) => n.label === 'reviews@prod')!.requests).toBe(9);
  });
  it('asks the server for the picked split', () => {
    expect(apiSplit('none')).toBe('false');
    expect(apiSplit('env')).toBe('env');
    expect(apiSplit('version')).toBe('version');
    expect(apiSplit('env,version')).toBe('env,version');
  });
  it('uses service ids with no split, and adds nodes only named by edges', () => {
    const g = buildMapGraph({
      nodes: [{ id: 'a', service: 'a', requests: 1, errors: 0, error_rate: 0, avg_us: 1, p99_us: 1 }],
      edges: [{ source: 'a', target: 'mysql', calls: 4, errors: 0, error_rate: 0, avg_us: 1, p99_us: 2 }],
    }, 'none');
    expect(g.nodes.map((n) => n.id)).toEqual(['a', 'mysql']);
    expect(g.nodes[1].requests).toBe(0);
    expect(g.edges[0]).toMatchObject({ source: 'a', target: 'mysql', calls: 4 });
  });
  it('parses node ids', () => {
    expect(parseNodeId('web::v1')).toEqual({ service: 'web', env: '', version: 'v1' });
    expect(parseNodeId('a:b:prod:v1')).toEqual({ service: 'a:b', env: 'prod', version: 'v1' });
  });
  it('lays callers left of callees, cycles bounded', () => {
    const g = buildMapGraph(split, 'env,version');
    const pos = layeredLayout(g);
    expect(pos.get('productpage:prod:v1')!.column).toBe(0);
    expect(pos.get('reviews:canary:v2')!.column).toBe(1);
    const cyc = layeredLayout({
      nodes: ['x', 'y'].map((id) => ({ id, service: id, env: '', version: '', label: id, requests: 0, errors: 0, error_rate: 0, avg_us: 0, p99_us: null })),
      edges: [{ source: 'x', target: 'y' }, { source: 'y', target: 'x' }].map((e) => ({ ...e, calls: 1, errors: 0, error_rate: 0, avg_us: 0, p99_us: null, label: '' })),
    });
    expect(cyc.size).toBe(2);
  });
});
