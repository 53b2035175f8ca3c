import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthError, AuthErrorCode } from '../errors/auth-error.js';
import { ACCESS_METADATA, type Access, type AuthenticatedRequest } from './decorators.js';
import { isAllowed } from './permissions.js';

/**
 * The global guard: authorisation. Deny by default: a route that declares neither @Public nor @Allow is refused,
 * so a new route cannot slip out of the permission table. Keys are authenticated earlier, before the body is read
 * (authenticate-before-body.ts); the guard reads the principal that left, and refuses a keyed route without one.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(@Inject(Reflector) private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (!access) throw new AuthError(AuthErrorCode.Forbidden, 'This endpoint declares no access rule, so nobody may call it.');
    if (access.public) return true;
    const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
    if (!principal) throw new AuthError(AuthErrorCode.Unauthenticated, 'Send an API key as Authorization: Bearer <key>.');
    if (!isAllowed(access.action, principal.organisationKind, principal.roles)) {
      throw new AuthError(AuthErrorCode.Forbidden, `Your roles in ${principal.organisationSlug} do not allow ${access.action}.`);
    }
    return true;
  }
}
