import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

/** Who holds a folder lock: enough to tell, on the same machine, a live holder from a dead one or a reused PID. */
interface Holder {
  pid: number;
  /** The holder's start time in clock ticks since boot (Linux), so a PID reused by another process is not mistaken for it. */
  started: string | null;
  host: string;
}

export class FolderLockedError extends Error {
  constructor(readonly lockPath: string) {
    super(`${lockPath} is held by a running process`);
  }
}

/**
 * An exclusive lock on a folder that a killed holder does not keep: the lock is a directory made atomically, holding
 * the holder's PID and start time. A later process takes it over at once when that process is gone (SIGKILL leaves
 * the directory behind), instead of waiting for a timestamp to go stale. A holder on another host, or one whose
 * liveness cannot be judged, is taken as alive. Returns the release function.
 */
export function lockFolder(lockPath: string): () => void {
  // The directory appears with its holder already written in it (made aside, then renamed into place), so a lock
  // without a readable holder is never one being made: it is refused as held rather than guessed at.
  const staging = `${lockPath}.new-${process.pid}-${Date.now()}`;
  mkdirSync(staging);
  writeFileSync(join(staging, 'holder.json'), JSON.stringify(self()));
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        renameSync(staging, lockPath);
        return () => rmSync(lockPath, { recursive: true, force: true });
      } catch (error) {
        if (!['EEXIST', 'ENOTEMPTY'].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
      }
      const holder = readHolder(lockPath);
      if (holder === undefined && !existsSync(lockPath)) continue;
      if (holder === undefined || isAlive(holder)) throw new FolderLockedError(lockPath);
      takeOverFrom(lockPath, holder);
    }
    throw new FolderLockedError(lockPath);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Moves a dead holder's lock aside with one rename, so that of two processes racing to take it over only one moves
 * it; if what was moved turns out to be a newer, live holder's lock, it goes back.
 */
function takeOverFrom(lockPath: string, dead: Holder): void {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  if (moved !== undefined && moved.pid === dead.pid && moved.started === dead.started) {
    rmSync(aside, { recursive: true, force: true });
    return;
  }
  renameSync(aside, lockPath);
  throw new FolderLockedError(lockPath);
}

/** The holder's record, or undefined when the lock is gone or unreadable. */
function readHolder(lockPath: string): Holder | undefined {
  try {
    const parsed = JSON.parse(readFileSync(join(lockPath, 'holder.json'), 'utf8')) as Partial<Holder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.host !== 'string') return undefined;
    return { pid: parsed.pid, started: typeof parsed.started === 'string' ? parsed.started : null, host: parsed.host };
  } catch {
    return undefined;
  }
}

function self(): Holder {
  return { pid: process.pid, started: startTime(process.pid), host: hostname() };
}

function isAlive(holder: Holder): boolean {
  if (holder.host !== hostname()) return true;
  const me = self();
  // Our own PID in the lock is an earlier life of this PID (a container restarted with the same PID), never us.
  if (holder.pid === me.pid) return holder.started !== null && holder.started === me.started;
  try {
    process.kill(holder.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
  const started = startTime(holder.pid);
  return started === null || holder.started === null || started === holder.started;
}

/** Field 22 of /proc/<pid>/stat, the process's start time; null where there is no /proc. */
function startTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its closing parenthesis.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}
