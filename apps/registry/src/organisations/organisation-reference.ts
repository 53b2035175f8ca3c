/**
 * How an organisation is addressed: by its id (a UUID) or by its slug. A slug may not have the shape of a UUID
 * (PostgreSQL's, any version and case), so a reference is one or the other and no organisation can ever take
 * another's id as its slug.
 */
const ID_SHAPE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function looksLikeId(reference: string): boolean {
  return ID_SHAPE.test(reference);
}
