import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import { write } from './export-builder.js';
import { sourcesCsv } from './sources-csv.js';

/** A file that fails (a full disk) at its first write, and takes a little at a time so its writer must wait to drain. */
const failingFile = () =>
  new Writable({
    highWaterMark: 16,
    write(_chunk, _encoding, done) {
      setTimeout(() => done(Object.assign(new Error('no space left on device'), { code: 'ENOSPC' })), 5);
    },
  });

describe('writing an export file', () => {
  it('fails, not waits for good, when the file behind a CSV stream fails', async () => {
    const csv = sourcesCsv();
    const written = pipeline(csv, failingFile());
    written.catch(() => undefined);
    const writeAll = async () => {
      for (let n = 0; n < 10_000; n++) await write(csv, [`row ${n}`, 'x'.repeat(100)]);
    };
    await expect(writeAll()).rejects.toThrow();
    await expect(written).rejects.toThrow('no space left on device');
  });

  it('fails when the file failed before the write', async () => {
    const file = failingFile();
    file.on('error', () => undefined);
    file.destroy(new Error('no space left on device'));
    await expect(write(file, 'x'.repeat(100))).rejects.toThrow('no space left on device');
  });
});
