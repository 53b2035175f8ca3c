import pg from 'pg';

/** A throwaway database on a PostgreSQL server, for a benchmark or a test suite that needs one of its own. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

/** Creates database `name` on the server of `serverUrl`, with `settings` as its defaults (ALTER DATABASE … SET). */
export async function createScratchDatabase(serverUrl: string, name: string, settings: Record<string, string> = {}): Promise<ScratchDatabase> {
  const admin = async (...statements: string[]) => {
    const client = new pg.Client({ connectionString: serverUrl });
    await client.connect();
    try {
      for (const sql of statements) await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${name}`, ...Object.entries(settings).map(([key, value]) => `ALTER DATABASE ${name} SET ${key} = ${value}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
