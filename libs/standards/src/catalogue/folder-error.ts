/** One thing wrong with one file (or folder) of the `standards/` or `proposals/` folder. */
export interface FolderProblem {
  /** Path of the file or folder, relative to the folder that was loaded. */
  file: string;
  message: string;
}

/** A folder could not be loaded; `problems` lists everything found, each naming its file. */
export class FolderError extends Error {
  override readonly name = 'FolderError';
  constructor(
    readonly folder: string,
    readonly problems: FolderProblem[],
  ) {
    super(
      `${folder}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n` +
        problems.map((p) => `  ${p.file}: ${p.message}`).join('\n'),
    );
  }
}
