import { createParamDecorator, type ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Action } from './permissions.js';
import type { Principal } from './principal.js';

export const ACCESS_METADATA = 'plaza:access';
export type Access = { public: true } | { public: false; action: Action };

/** Readable by anyone, with no key (residents). */
export const Public = () => SetMetadata(ACCESS_METADATA, { public: true } satisfies Access);
/** Needs a key whose organisation kind and roles the permission table grants this action. */
export const Allow = (action: Action) => SetMetadata(ACCESS_METADATA, { public: false, action } satisfies Access);

export type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The authenticated member; only on routes guarded by @Allow. */
export const CurrentPrincipal = createParamDecorator((_: unknown, ctx: ExecutionContext): Principal => {
  const principal = ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without @Allow');
  return principal;
});

/** The member whose key a @Public route was called with, if any (public reads that show more to the record's own organisation). */
export const OptionalPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): Principal | undefined => ctx.switchToHttp().getRequest<AuthenticatedRequest>().principal,
);
