import { createHash } from 'node:crypto';
import pg from 'pg';

/** Distinct statements one connection prepares at most; later ones run unnamed (a bound on the server's memory). */
export const MAX_PREPARED_PER_CONNECTION = 500;

/** Reads only: a write's plan is cheap next to its commit, and its text is often built per call. */
const READ = /^\s*(select|with)\b/i;
const WRITES = /\b(insert|update|delete)\b/i;
/**
 * More parameters than a fixed read has: a list expanded into one placeholder per item (`IN ($1, …, $n)`), a new
 * text for every length, which would spend the connection's names on texts seldom run again.
 */
const MAX_PARAMETERS = 24;

/**
 * A pg client that prepares each parameterised read once per connection, under a name derived from its text, so the
 * server plans it once (and, after a few runs, keeps a generic plan) instead of parsing and planning it on every
 * call: the registry's reads are a few hundred fixed texts whose planning cost more than their execution. A statement
 * with no parameters or a list's worth of them, a write (a WITH that writes too), and anything beyond the first
 * MAX_PREPARED_PER_CONNECTION texts runs as before. Not
 * for a pooler in transaction mode that cannot keep a session's prepared statements (PLAZA_DB_PREPARED_READS=false).
 */
export class PreparingClient extends pg.Client {
  private readonly prepared = new Set<string>();

  override query(...args: unknown[]): never {
    const [text, values] = args;
    if (typeof text === 'string' && Array.isArray(values) && values.length > 0 && values.length <= MAX_PARAMETERS && READ.test(text) && !WRITES.test(text)) {
      const name = this.nameOf(text);
      if (name !== undefined) args[0] = { name, text };
    }
    return (super.query as (...a: unknown[]) => never)(...args);
  }

  private nameOf(text: string): string | undefined {
    const name = `plaza_${createHash('sha256').update(text).digest('base64url').slice(0, 32)}`;
    if (this.prepared.has(name)) return name;
    if (this.prepared.size >= MAX_PREPARED_PER_CONNECTION) return undefined;
    this.prepared.add(name);
    return name;
  }
}

/**
 * Whether a connection may keep named prepared statements: only one opened as a PreparingClient, since
 * PLAZA_DB_PREPARED_READS=false (a pooler in transaction mode) opens plain clients.
 */
export const keepsPreparedStatements = (client: unknown): boolean => client instanceof PreparingClient;
