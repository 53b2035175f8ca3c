/**
 * Where a benchmark phase's CPU went, from /proc (Linux): the registry's processes (its primary and every
 * descendant, i.e. the cluster workers), PostgreSQL (every process whose comm starts with "postgres": backends and
 * auxiliaries such as the WAL writer, whoever they serve), the load generator itself (process.cpuUsage, all its
 * threads) and the rest of the machine (other processes, from /proc/stat's total). Counters are utime + stime in
 * clock ticks, sampled before and after a phase, so a process that exits within the phase loses its share and one
 * that starts within it counts from zero.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ, the unit of /proc's CPU times (getconf CLK_TCK; 100 on nearly every Linux). */
export const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return Number.isInteger(ticks) && ticks > 0 ? ticks : 100;
  } catch {
    return 100;
  }
})();

interface ProcessTimes {
  ppid: number;
  comm: string;
  ticks: number;
}

/** Every process's parent, name and CPU ticks; processes that vanish while being read are skipped. */
function readProcesses(): Map<number, ProcessTimes> {
  const out = new Map<number, ProcessTimes>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // comm is in parentheses and may itself hold spaces or parentheses: the fields start after the last ')'.
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is field 3 (state): ppid is field 4, utime 14, stime 15.
    out.set(Number(entry), { ppid: Number(fields[1]), comm, ticks: Number(fields[11]) + Number(fields[12]) });
  }
  return out;
}

/** The machine's busy ticks (every state but idle and iowait), summed over all CPUs. */
function busyTicks(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!;
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return user! + nice! + system! + irq! + softirq! + (steal ?? 0);
}

export interface CpuSample {
  at: number;
  registry: Map<number, number>;
  postgres: Map<number, number>;
  generatorMicros: number;
  busyTicks: number;
}

/** Microseconds of CPU each party used between two samples, and the wall-clock seconds between them. */
export interface CpuSplit {
  seconds: number;
  registryMicros: number;
  /** How many registry processes (primary and workers) the later sample saw. */
  registryProcesses: number;
  postgresMicros: number;
  generatorMicros: number;
  /** The machine's busy time not accounted to the three above: other people's work on a shared machine. */
  otherMicros: number;
}

/** Takes a sample of the registry whose primary is `registryPid` (0: none running), PostgreSQL and this process. */
export function sampleCpu(registryPid: number): CpuSample {
  const processes = readProcesses();
  const registry = new Map<number, number>();
  const postgres = new Map<number, number>();
  const inRegistry = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = processes.get(p)?.ppid ?? 0, hops++) if (p === registryPid) return true;
    return false;
  };
  for (const [pid, times] of processes) {
    if (registryPid > 0 && inRegistry(pid)) registry.set(pid, times.ticks);
    else if (times.comm.startsWith('postgres')) postgres.set(pid, times.ticks);
  }
  const usage = process.cpuUsage();
  return { at: performance.now(), registry, postgres, generatorMicros: usage.user + usage.system, busyTicks: busyTicks() };
}

const microsPerTick = 1_000_000 / CLOCK_TICKS_PER_SECOND;

function grown(before: Map<number, number>, after: Map<number, number>): number {
  let ticks = 0;
  for (const [pid, now] of after) ticks += now - (before.get(pid) ?? 0);
  return ticks * microsPerTick;
}

export function cpuBetween(before: CpuSample, after: CpuSample): CpuSplit {
  const registryMicros = grown(before.registry, after.registry);
  const postgresMicros = grown(before.postgres, after.postgres);
  const generatorMicros = after.generatorMicros - before.generatorMicros;
  const busyMicros = (after.busyTicks - before.busyTicks) * microsPerTick;
  return {
    seconds: (after.at - before.at) / 1000,
    registryMicros,
    registryProcesses: after.registry.size,
    postgresMicros,
    generatorMicros,
    otherMicros: Math.max(0, busyMicros - registryMicros - postgresMicros - generatorMicros),
  };
}

/** CPU per accepted event in microseconds, and the cores each party kept busy on average. */
export function perEvent(split: CpuSplit, events: number) {
  const per = (micros: number) => (events > 0 ? micros / events : NaN);
  const cores = (micros: number) => micros / 1_000_000 / split.seconds;
  return {
    events,
    seconds: split.seconds,
    registryProcesses: split.registryProcesses,
    microsPerEvent: { node: per(split.registryMicros), postgres: per(split.postgresMicros), loadGenerator: per(split.generatorMicros), other: per(split.otherMicros) },
    coresBusy: { node: cores(split.registryMicros), postgres: cores(split.postgresMicros), loadGenerator: cores(split.generatorMicros), other: cores(split.otherMicros) },
  };
}

export type EventCpu = ReturnType<typeof perEvent>;
