import type { PlazaError } from './plaza-error.js';

/** One id a request refers to, at its pointer, as the feature judged it: `refused` says why it may not be cited. */
export interface JudgedReference {
  id: string;
  pointer: string;
  verdict: 'citable' | 'unknown' | { refused: string };
}

/**
 * Refuses a request's references, all at once with each one's pointer: first those that do not exist for the caller
 * (`unknown`: one it may not read answers exactly like a made-up id), then those it may not cite. The feature names its
 * own errors; `noun` names what is referred to in each detail ("agreement", "privacy impact record").
 */
export function refuseReferences(
  references: JudgedReference[],
  noun: string,
  errors: { unknown(detail: string, list: { pointer: string; detail: string }[]): PlazaError; refused(detail: string, list: { pointer: string; detail: string }[]): PlazaError },
): void {
  const unknown = references.filter((r) => r.verdict === 'unknown');
  if (unknown.length > 0) {
    throw errors.unknown(
      `There is no ${noun} ${unknown.map((r) => r.id).join(', ')} that you may read.`,
      unknown.map(({ id, pointer }) => ({ pointer, detail: `there is no ${noun} ${id}` })),
    );
  }
  const refused = references.flatMap(({ id, pointer, verdict }) => (typeof verdict === 'object' ? [{ pointer, detail: `${noun} ${id} ${verdict.refused}` }] : []));
  if (refused.length > 0) throw errors.refused(`${refused.map((r) => r.detail).join('; ')}.`, refused);
}
