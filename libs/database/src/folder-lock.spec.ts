import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { FolderLockedError, lockFolder } from './folder-lock.js';

describe('lockFolder', () => {
  let dir: string;
  let lock: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plaza-lock-'));
    lock = join(dir, 'pgdata.holder');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A lock as a holder with this record would have left it. */
  const leaveLock = (holder: object) => {
    mkdirSync(lock);
    writeFileSync(join(lock, 'holder.json'), JSON.stringify(holder));
  };

  it('refuses a folder that a live process holds, and frees it on release', () => {
    const release = lockFolder(lock);
    expect(() => lockFolder(lock)).toThrow(FolderLockedError);
    release();
    expect(existsSync(lock)).toBe(false);
    lockFolder(lock)();
  });

  it('takes over at once from a holder that was killed', async () => {
    const child = spawn('sleep', ['30']);
    await new Promise((done) => child.once('spawn', done));
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    leaveLock({ pid: child.pid, started: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19], host: hostname() });
    expect(() => lockFolder(lock)).toThrow(FolderLockedError);
    child.kill('SIGKILL');
    await new Promise((done) => child.once('exit', done));
    const release = lockFolder(lock);
    expect(JSON.parse(readFileSync(join(lock, 'holder.json'), 'utf8')).pid).toBe(process.pid);
    release();
  });

  it('does not mistake a reused process id for the holder that died', () => {
    leaveLock({ pid: process.pid, started: 'an earlier life', host: hostname() });
    lockFolder(lock)();
    leaveLock({ pid: process.ppid, started: 'an earlier life', host: hostname() });
    lockFolder(lock)();
  });

  it('takes a holder on another host, or one it cannot read, as alive', () => {
    leaveLock({ pid: 999_999_999, started: null, host: `not-${hostname()}` });
    expect(() => lockFolder(lock)).toThrow(FolderLockedError);
    writeFileSync(join(lock, 'holder.json'), 'not a holder');
    expect(() => lockFolder(lock)).toThrow(FolderLockedError);
  });

  it('leaves nothing behind when it is refused', () => {
    const release = lockFolder(lock);
    expect(() => lockFolder(lock)).toThrow(FolderLockedError);
    release();
    expect(readdirSync(dir)).toEqual([]);
  });

});
