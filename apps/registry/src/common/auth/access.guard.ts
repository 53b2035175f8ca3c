import { type CanActivate, type ExecutionContext, Inject, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiKeyService } from '../../api-keys/api-key.service.js';
import { AuthError, AuthErrorCode } from './auth-error.js';
import { ACCESS_METADATA, type Access, type AuthenticatedRequest } from './decorators.js';
import { isAllowed } from './permissions.js';

/**
 * The global guard. Deny by default: a route that declares neither @Public nor @Allow is refused,
 * so a new route cannot slip out of the permission table.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  constructor(
    @Inject(Reflector) private readonly reflector: Reflector,
    @Inject(ApiKeyService) private readonly apiKeys: ApiKeyService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access | undefined>(ACCESS_METADATA, [context.getHandler(), context.getClass()]);
    if (!access) throw new AuthError(AuthErrorCode.Forbidden, 'This endpoint declares no access rule, so nobody may call it.');
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    if (access.public && header === undefined) return true;
    if (header === undefined) throw new AuthError(AuthErrorCode.Unauthenticated, 'Send an API key as Authorization: Bearer <key>.');
    const principal = await this.apiKeys.authenticate(header);
    request.principal = principal;
    if (access.public) return true;
    if (!isAllowed(access.action, principal.organisationKind, principal.roles)) {
      throw new AuthError(AuthErrorCode.Forbidden, `Your roles in ${principal.organisationSlug} do not allow ${access.action}.`);
    }
    return true;
  }
}
