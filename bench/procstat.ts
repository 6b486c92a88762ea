// CPU time and resident memory of a process tree, read from /proc (Linux). CPU counts every thread of every
// process in the tree (Portcullis workers are threads; nginx and node-proxy workers are child processes).
import * as fs from 'node:fs';
import { execFileSync } from 'node:child_process';

export interface StatLine { pid: number; ppid: number; utime: number; stime: number }

/** Parses /proc/<pid>/stat. The command name is in parentheses and may itself contain spaces or parentheses. */
export function parseStat(text: string): StatLine | null {
  const close = text.lastIndexOf(')');
  if (close < 0) return null;
  const pid = Number(text.slice(0, text.indexOf(' ')));
  // Fields after the name, numbered from 3 (state): ppid is field 4, utime 14, stime 15.
  const f = text.slice(close + 2).trim().split(/\s+/);
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (![pid, ppid, utime, stime].every(Number.isFinite)) return null;
  return { pid, ppid, utime, stime };
}

/** Parses the VmRSS line of /proc/<pid>/status into bytes (0 when absent, e.g. a zombie). */
export function parseVmRss(text: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(text);
  return m ? Number(m[1]) * 1024 : 0;
}

let clockTicks = 0;
function ticksPerSecond(): number {
  if (clockTicks) return clockTicks;
  try { clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100; } catch { clockTicks = 100; }
  return clockTicks;
}

function readStat(pid: number): StatLine | null {
  try { return parseStat(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return null; }
}

/** `root` and all its descendants, as currently running. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try { entries = fs.readdirSync('/proc'); } catch { return [root]; }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const s = readStat(Number(e));
    if (!s) continue;
    const list = children.get(s.ppid);
    if (list) list.push(s.pid); else children.set(s.ppid, [s.pid]);
  }
  const out: number[] = [];
  const todo = [root];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    for (const c of children.get(p) ?? []) todo.push(c);
  }
  return out;
}

/** utime + stime of the given processes, in seconds. */
export function cpuSeconds(pids: number[]): number {
  let ticks = 0;
  for (const p of pids) { const s = readStat(p); if (s) ticks += s.utime + s.stime; }
  return ticks / ticksPerSecond();
}

/** Sum of VmRSS over the given processes, in bytes. */
export function rssBytes(pids: number[]): number {
  let sum = 0;
  for (const p of pids) { try { sum += parseVmRss(fs.readFileSync(`/proc/${p}/status`, 'utf8')); } catch { /* exited */ } }
  return sum;
}

/** Measures one run: CPU seconds used between start() and stop(), and the peak summed RSS sampled meanwhile. */
export class TreeMeter {
  private pids: number[] = [];
  private cpu0 = 0;
  private peak = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly root: number | null, private readonly sampleMs = 100) {}

  start(): void {
    if (this.root === null) return;
    this.pids = processTree(this.root);
    this.cpu0 = cpuSeconds(this.pids);
    this.peak = rssBytes(this.pids);
    this.timer = setInterval(() => { this.peak = Math.max(this.peak, rssBytes(this.pids)); }, this.sampleMs);
    this.timer.unref();
  }

  stop(): { cpuS: number | null; peakRssBytes: number | null } {
    if (this.root === null) return { cpuS: null, peakRssBytes: null };
    if (this.timer) clearInterval(this.timer);
    this.peak = Math.max(this.peak, rssBytes(this.pids));
    return { cpuS: Math.max(0, cpuSeconds(this.pids) - this.cpu0), peakRssBytes: this.peak };
  }
}
