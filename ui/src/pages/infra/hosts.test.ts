import { describe, expect, it } from 'vitest';
import { filterHosts, hostCharts, hostObjectQuery, hostRows, hostStatus, latestValue, parseHostMessage } from './hosts';

const series = [{
  name: 'HOST', tags: {},
  columns: ['time', 'name', 'os', 'cpu_usage', 'mem_used_percent', 'start_time', 'unicast_ip', 'num_cpu'],
  values: [
    [2000, 'web-1', 'linux', 12.5, 40, 1000, '10.0.0.1', 4],
    [3000, 'db-1', 'linux', 80, 70.25, null, '10.0.0.2', 8],
    [1000, 'web-1', 'linux', 99, 99, 1000, '10.0.0.1', 4], // older duplicate
    [1500, null, 'linux', 1, 1, null, '', null], // no name
  ],
}];

describe('hostRows', () => {
  it('one row per named host, newest wins, sorted by name', () => {
    const rows = hostRows(series);
    expect(rows.map((r) => [r.name, r.cpuUsage, r.memUsedPercent, r.lastSeen])).toEqual([
      ['db-1', 80, 70.25, 3000], ['web-1', 12.5, 40, 2000]]);
    expect(rows[0].startTime).toBeNull();
    expect(rows[1].numCpu).toBe(4);
  });
  it('reads names from tags too', () => {
    const rows = hostRows([{ name: 'HOST', tags: { name: 'x', os: 'linux' }, columns: ['time', 'cpu_usage'], values: [[5, '3.5']] }]);
    expect(rows).toMatchObject([{ name: 'x', os: 'linux', cpuUsage: 3.5 }]);
  });
});

describe('filterHosts', () => {
  const rows = hostRows(series);
  it('matches every word against name, os, ip', () => {
    expect(filterHosts(rows, 'WEB').map((r) => r.name)).toEqual(['web-1']);
    expect(filterHosts(rows, 'linux 10.0.0.2').map((r) => r.name)).toEqual(['db-1']);
    expect(filterHosts(rows, '  ').length).toBe(2);
    expect(filterHosts(rows, 'nope')).toEqual([]);
  });
});

describe('host detail', () => {
  it('quotes the host in queries', () => {
    expect(hostObjectQuery("a'b")).toBe("O::HOST {name = 'a\\'b'}");
    const cs = hostCharts('h1', 60);
    expect(cs.map((c) => c.id)).toEqual(['cpu', 'mem', 'load', 'disk', 'diskio', 'net']);
    expect(cs[0].q).toContain("{host = 'h1'} [::60s]");
    expect(cs[4].q).toContain('[::60s:rate]');
  });
  it('status from last seen', () => {
    expect(hostStatus({ lastSeen: 0 } as any, 20 * 60_000)).toBe('stale');
    expect(hostStatus({ lastSeen: 0 } as any, 60_000)).toBe('ok');
  });
  it('parses the message JSON', () => {
    const info = parseHostMessage(JSON.stringify({ host: {
      meta: { platform: 'debian', platform_version: '12.11', kernel_release: '6.1' },
      cpu: [{ module_name: 'Xeon' }, { module_name: 'Xeon' }], mem: { memory_total: 1024, swap_total: 0 },
      net: [{ name: 'eth0', ip4: '10.0.0.1/24', mac: 'aa' }], disk: null } }));
    expect(info).toMatchObject({ platform: 'debian', kernel: '6.1', cpuModel: 'Xeon', cpuCount: 2, memoryTotal: 1024,
                                 interfaces: [{ name: 'eth0', ip4: '10.0.0.1/24' }], disks: [] });
    expect(parseHostMessage('not json')).toBeUndefined();
  });
  it('latest value of a column', () => {
    expect(latestValue([{ name: 'm', tags: {}, columns: ['time', 'v'], values: [[3, 1], [5, 2], [4, null]] }], 'v')).toBe(2);
  });
});
