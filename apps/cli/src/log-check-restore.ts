import { readFileSync } from 'node:fs';
import { NoteError, noteVerifierFromKey, openCheckpoint } from '#plaza/note';
import { checkExtends, type FetchLike, type LogState, type LogVerification, readLogState, VerifyFailure, verifyLog } from './log-verify.js';

/**
 * `plaza log check-restore`: after a restore, that the registry's log verifies as a whole (`plaza log verify`, from
 * nothing) and extends every checkpoint saved before the backup: signed notes as GET /log/checkpoint served them, or
 * the state files of `plaza log verify` and `plaza log monitor`. A saved checkpoint larger than the restored log means
 * the backup is older than what the log had published.
 */

/** One checkpoint saved before the backup, and whether the restored log extends it. */
export interface SavedCheck {
  file: string;
  size?: number;
  ok: boolean;
  problem?: string;
}

export interface RestoreCheck {
  ok: boolean;
  log: LogVerification;
  saved: SavedCheck[];
}

/** A saved signed note, accepted only with the log's key: a checkpoint anyone could write proves nothing. */
function savedNote(file: string, vkey: string): Pick<LogState, 'origin' | 'size' | 'rootHash'> {
  try {
    const { checkpoint } = openCheckpoint(readFileSync(file), [noteVerifierFromKey(vkey)]);
    return { origin: checkpoint.origin, size: checkpoint.size, rootHash: Buffer.from(checkpoint.rootHash).toString('base64') };
  } catch (error) {
    if (error instanceof NoteError) throw new VerifyFailure(`it is not a checkpoint signed by the log key ${vkey}: ${error.message}`);
    throw new VerifyFailure(`cannot read it: ${(error as Error).message}`);
  }
}

export async function checkRestore(
  registry: string,
  vkey: string,
  saved: { checkpoints: readonly string[]; states: readonly string[] },
  options: { fetch?: FetchLike; progress?: (done: number, total: number) => void } = {},
): Promise<RestoreCheck> {
  const fetcher = options.fetch ?? ((url, init) => fetch(url, init));
  const base = registry.replace(/\/+$/, '');
  const log = await verifyLog(base, null, { vkey, fetch: fetcher, progress: options.progress });
  const checks: SavedCheck[] = [];
  if (!log.ok) return { ok: false, log, saved: checks };
  const each = async (file: string, read: () => Pick<LogState, 'origin' | 'size' | 'rootHash'>) => {
    let size: number | undefined;
    try {
      const earlier = read();
      size = earlier.size;
      const { origin, size: current, rootHash } = log.checkpoint!;
      await checkExtends(fetcher, base, earlier, { origin, size: current, root: new Uint8Array(Buffer.from(rootHash, 'base64')) }, `saved in ${file}`);
      checks.push({ file, size, ok: true });
    } catch (error) {
      if (!(error instanceof VerifyFailure)) throw error;
      checks.push({ file, ...(size === undefined ? {} : { size }), ok: false, problem: error.message });
    }
  };
  for (const file of saved.checkpoints) await each(file, () => savedNote(file, vkey));
  for (const file of saved.states) {
    await each(file, () => {
      try {
        const state = readLogState(file);
        if (!state) throw new VerifyFailure('there is no such file');
        return state;
      } catch (error) {
        if (error instanceof VerifyFailure) throw error;
        throw new VerifyFailure((error as Error).message);
      }
    });
  }
  return { ok: log.ok && checks.every((check) => check.ok), log, saved: checks };
}
