/** What a problem code answers with: its HTTP status and stable title. */
export interface ProblemType {
  status: number;
  title: string;
}

/**
 * One error table: every code of one enum with its problem type. The mapped type makes it exhaustive, so a code added
 * to the enum does not compile until it is given a status and a title here.
 */
export type ProblemTable<C extends string> = { readonly [K in C]: ProblemType };

export const PROBLEM_TYPE_PREFIX = 'urn:plaza:problem:';

/**
 * Every problem the registry can answer with, assembled from the kernel's tables and one table per feature by the
 * composition root. A code in two tables is refused at start, so no feature can shadow another's code.
 */
export class ProblemCatalogue {
  private readonly types = new Map<string, ProblemType>();

  constructor(tables: readonly ProblemTable<string>[]) {
    for (const table of tables) {
      for (const [code, type] of Object.entries(table)) {
        if (this.types.has(code)) throw new Error(`problem code ${code} is in two error tables`);
        this.types.set(code, type);
      }
    }
  }

  get(code: string): ProblemType | undefined {
    return this.types.get(code);
  }

  codes(): string[] {
    return [...this.types.keys()];
  }
}

/** How problems are rendered in this registry: its catalogue, and how long a client should wait before trying again after a 503. */
export interface ProblemSettings {
  catalogue: ProblemCatalogue;
  retryAfterSeconds: number;
}

/** The injection token under which the composition root provides the ProblemSettings. */
export const PROBLEM_SETTINGS = Symbol('PROBLEM_SETTINGS');
