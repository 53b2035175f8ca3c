/**
 * Base of every error a Plaza feature raises on purpose. Each feature has one subclass with its own code
 * enum; problem-catalog.ts maps every code to its HTTP status in one exhaustive table.
 */
export abstract class PlazaError<C extends string = string> extends Error {
  constructor(
    readonly code: C,
    readonly detail: string,
    /** Extra members of the problem document, e.g. `errors` for validation failures. */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}
