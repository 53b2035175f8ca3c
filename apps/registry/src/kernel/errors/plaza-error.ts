/**
 * Base of every error a Plaza feature raises on purpose. Each feature has one subclass with its own code
 * enum and one exhaustive table of problems (ProblemTable); the composition root assembles them into the catalogue.
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
