/**
 * Preloaded (`node --import`) into a registry that a suite or a benchmark starts with its stdin a pipe from that
 * process. When the starter dies, however it dies (a SIGKILL runs no exit hook), the pipe closes, and the registry is
 * stopped as an operator stops it, by SIGTERM, so that no registry outlives the process that started it. Only the
 * primary listens: it stops its workers itself.
 */
import cluster from 'node:cluster';

if (cluster.isPrimary) {
  // 'close' comes once, whether the pipe ended or failed.
  process.stdin.once('close', () => process.kill(process.pid, 'SIGTERM')).resume();
  // The pipe alone does not keep the registry running: it shuts down as it would without it.
  (process.stdin as { unref?: () => void }).unref?.();
}
