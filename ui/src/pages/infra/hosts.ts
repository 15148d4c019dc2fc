// Pure data shaping for the Infrastructure pages: HOST objects (DQL `O::HOST`, written by the
// agent's hostobject input, category "object") into rows, search, and the per-host metric queries.
import type { Series } from '../../lib/api';

export interface HostRow {
  name: string;
  os: string;
  arch: string;
  ip: string;
  cpuUsage: number | null; // %
  memUsedPercent: number | null; // %
  load: number | null; // 5-minute load average
  numCpu: number | null;
  diskUsedPercent: number | null;
  startTime: number | null; // boot time, ms
  lastSeen: number; // the object's time, ms
  agentVersion: string;
  message?: string; // the JSON description (detail page only)
}

// The columns the list needs (the `message` JSON stays on the server).
export const HOST_LIST_QUERY =
  'O::HOST:(name, host, os, arch, unicast_ip, cpu_usage, mem_used_percent, load, num_cpu, ' +
  'disk_used_percent, start_time, datakit_ver)';

// One host's object, everything included.
export function hostObjectQuery(host: string): string {
  return `O::HOST {name = ${dqlString(host)}}`;
}

// A DQL string literal.
export function dqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function num(v: unknown): number | null {
  if (v === null || v === undefined || v === '') return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

function str(v: unknown): string {
  return v === null || v === undefined ? '' : String(v);
}

// Series of an `O::HOST` answer into rows, one per host name (the newest wins when a name appears
// twice). Tags and columns are both looked at: objects carry `name` as a tag in line protocol.
export function hostRows(series: Series[]): HostRow[] {
  const byName = new Map<string, HostRow>();
  for (const s of series) {
    const idx = (c: string) => s.columns.indexOf(c);
    const cols = {
      time: idx('time'), name: idx('name'), host: idx('host'), os: idx('os'), arch: idx('arch'),
      ip: idx('unicast_ip'), cpu: idx('cpu_usage'), mem: idx('mem_used_percent'),
      load: idx('load'), ncpu: idx('num_cpu'), disk: idx('disk_used_percent'),
      start: idx('start_time'), ver: idx('datakit_ver'), msg: idx('message'),
    };
    const get = (row: unknown[], i: number, tag: string) =>
      i >= 0 && row[i] !== null && row[i] !== undefined ? row[i] : s.tags?.[tag];
    for (const row of s.values) {
      const name = str(get(row, cols.name, 'name')) || str(get(row, cols.host, 'host'));
      if (!name) continue;
      const r: HostRow = {
        name,
        os: str(get(row, cols.os, 'os')),
        arch: str(get(row, cols.arch, 'arch')),
        ip: str(get(row, cols.ip, 'unicast_ip')),
        cpuUsage: num(get(row, cols.cpu, 'cpu_usage')),
        memUsedPercent: num(get(row, cols.mem, 'mem_used_percent')),
        load: num(get(row, cols.load, 'load')),
        numCpu: num(get(row, cols.ncpu, 'num_cpu')),
        diskUsedPercent: num(get(row, cols.disk, 'disk_used_percent')),
        startTime: num(get(row, cols.start, 'start_time')),
        lastSeen: num(cols.time >= 0 ? row[cols.time] : null) ?? 0,
        agentVersion: str(get(row, cols.ver, 'datakit_ver')),
        message: cols.msg >= 0 && row[cols.msg] !== null ? str(row[cols.msg]) : undefined,
      };
      const old = byName.get(name);
      if (!old || old.lastSeen <= r.lastSeen) byName.set(name, r);
    }
  }
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

// Case-insensitive search over name, OS, arch and IP; words must all match
// ("linux 10.0" finds linux hosts whose IP has 10.0).
export function filterHosts(rows: HostRow[], search: string): HostRow[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return rows;
  return rows.filter((r) => {
    const hay = `${r.name} ${r.os} ${r.arch} ${r.ip}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

// A host not heard from for this long is shown as stale (the hostobject input reports every 5 min).
export const STALE_MS = 15 * 60_000;

export function hostStatus(r: HostRow, now = Date.now()): 'ok' | 'stale' {
  return now - r.lastSeen > STALE_MS ? 'stale' : 'ok';
}

// What the `message` JSON of a HOST object tells (the parts the detail page shows).
export interface HostInfo {
  platform?: string;
  platformVersion?: string;
  kernel?: string;
  cpuModel?: string;
  cpuCount?: number;
  memoryTotal?: number;
  swapTotal?: number;
  interfaces: { name: string; ip4?: string; mac?: string; mtu?: number }[];
  disks: { device: string; mountpoint: string; fstype: string; total: number }[];
}

export function parseHostMessage(message: string | undefined): HostInfo | undefined {
  if (!message) return undefined;
  let j: any;
  try {
    j = JSON.parse(message);
  } catch {
    return undefined;
  }
  const h = j?.host ?? {};
  const meta = h.meta ?? {};
  const cpus: any[] = Array.isArray(h.cpu) ? h.cpu : [];
  return {
    platform: meta.platform || undefined,
    platformVersion: meta.platform_version || undefined,
    kernel: meta.kernel_release || undefined,
    cpuModel: cpus[0]?.module_name || undefined,
    cpuCount: cpus.length || undefined,
    memoryTotal: num(h.mem?.memory_total) ?? undefined,
    swapTotal: num(h.mem?.swap_total) ?? undefined,
    interfaces: (Array.isArray(h.net) ? h.net : []).map((n: any) => ({
      name: str(n.name), ip4: n.ip4 || undefined, mac: n.mac || undefined, mtu: num(n.mtu) ?? undefined,
    })),
    disks: (Array.isArray(h.disk) ? h.disk : []).map((d: any) => ({
      device: str(d.device), mountpoint: str(d.mountpoint), fstype: str(d.fstype), total: num(d.total) ?? 0,
    })),
  };
}

// The charts of a host's detail page: DQL over the agent's host inputs (cpu, mem, system, disk,
// diskio, net), one bucket every `intervalS` seconds.
export interface HostChart {
  id: string;
  title: string;
  unit: 'percent' | 'bytes' | 'bytesPerSec' | 'number';
  kind: 'line' | 'area';
  q: string;
}

export function hostCharts(host: string, intervalS: number): HostChart[] {
  const h = dqlString(host);
  const t = `[::${intervalS}s]`;
  const rate = `[::${intervalS}s:rate]`;
  return [
    { id: 'cpu', title: 'CPU usage', unit: 'percent', kind: 'line',
      q: `M::cpu:(avg(usage_total) AS total, avg(usage_user) AS user, avg(usage_system) AS system) {host = ${h}} ${t}` },
    { id: 'mem', title: 'Memory used', unit: 'percent', kind: 'area',
      q: `M::mem:(avg(used_percent) AS used_percent) {host = ${h}} ${t}` },
    { id: 'load', title: 'System load', unit: 'number', kind: 'line',
      q: `M::system:(avg(load1) AS load1, avg(load5) AS load5, avg(load15) AS load15) {host = ${h}} ${t}` },
    { id: 'disk', title: 'Disk used by mount point', unit: 'percent', kind: 'line',
      q: `M::disk:(max(used_percent) AS used_percent) {host = ${h}} ${t} BY mount_point` },
    { id: 'diskio', title: 'Disk I/O', unit: 'bytesPerSec', kind: 'line',
      q: `M::diskio:(sum(read_bytes) AS \`read\`, sum(write_bytes) AS \`write\`) {host = ${h}} ${rate}` },
    { id: 'net', title: 'Network', unit: 'bytesPerSec', kind: 'line',
      q: `M::net:(sum(bytes_recv) AS recv, sum(bytes_sent) AS sent) {host = ${h}, interface != 'all'} ${rate}` },
  ];
}

// The latest non-null value of a column over a query answer's series (the stat tiles).
export function latestValue(series: Series[], column?: string): number | null {
  let best: [number, number] | null = null;
  for (const s of series) {
    const ti = s.columns.indexOf('time');
    const ci = column ? s.columns.indexOf(column) : s.columns.findIndex((_, i) => i !== ti);
    if (ci < 0) continue;
    for (const row of s.values) {
      const v = num(row[ci]);
      const t = Number(row[ti]);
      if (v !== null && (!best || t > best[0])) best = [t, v];
    }
  }
  return best ? best[1] : null;
}
