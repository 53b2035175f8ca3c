import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccessGuard } from './access.guard.js';
import { AuthError, AuthErrorCode } from '../errors/auth-error.js';
import { Allow, type AuthenticatedRequest, Public } from './decorators.js';
import { Action } from './permissions.js';
import type { Principal } from './principal.js';

class Undeclared {
  handler(): void {}
}

class Declared {
  @Public()
  open(): void {}

  @Allow(Action.SourceManage)
  manage(): void {}

  undeclared(): void {}
}

@Public()
class PublicController {
  handler(): void {}

  @Allow(Action.OrganisationCreate)
  guarded(): void {}
}

const cityMember: Principal = {
  keyId: 'k', keyPrefix: 'plz_abcdefgh', keyIssuedBy: { organisationId: 'o', memberId: 'a' }, viaOperator: false, memberId: 'm', roles: ['member'],
  organisationId: 'o', organisationSlug: 'montreal', organisationKind: 'city',
};

/** Runs the guard on a handler for a request that authenticate-before-body left with `principal` (or none). */
function run(controller: new () => object, method: string, principal?: Principal): boolean {
  const request = { headers: {}, principal } as unknown as AuthenticatedRequest;
  const context = {
    getHandler: () => (controller.prototype as Record<string, unknown>)[method],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return new AccessGuard(new Reflector()).canActivate(context);
}

function codeOf(outcome: () => boolean): string {
  try {
    return `resolved ${outcome()}`;
  } catch (error) {
    return error instanceof AuthError ? error.code : `unexpected ${String(error)}`;
  }
}

describe('AccessGuard', () => {
  it('refuses a handler that declares no access rule, to anyone', () => {
    const operatorAdmin: Principal = { ...cityMember, organisationKind: 'operator', roles: ['admin'] };
    expect(codeOf(() => run(Undeclared, 'handler'))).toBe(AuthErrorCode.Forbidden);
    expect(codeOf(() => run(Undeclared, 'handler', operatorAdmin))).toBe(AuthErrorCode.Forbidden);
    expect(codeOf(() => run(Declared, 'undeclared', operatorAdmin))).toBe(AuthErrorCode.Forbidden);
  });

  it('lets anyone through a @Public handler, with or without a principal', () => {
    expect(run(Declared, 'open')).toBe(true);
    expect(run(Declared, 'open', cityMember)).toBe(true);
  });

  it('asks for a principal on an @Allow handler, and refuses one whose roles the permission table does not grant', () => {
    expect(codeOf(() => run(Declared, 'manage'))).toBe(AuthErrorCode.Unauthenticated);
    expect(run(Declared, 'manage', cityMember)).toBe(true);
    expect(codeOf(() => run(Declared, 'manage', { ...cityMember, organisationKind: 'vendor', roles: ['admin'] }))).toBe(AuthErrorCode.Forbidden);
    expect(codeOf(() => run(Declared, 'manage', { ...cityMember, roles: ['privacy-approver'] }))).toBe(AuthErrorCode.Forbidden);
  });

  it("reads a controller's rule for handlers without their own, and lets a handler's own rule win", () => {
    expect(run(PublicController, 'handler')).toBe(true);
    expect(codeOf(() => run(PublicController, 'guarded'))).toBe(AuthErrorCode.Unauthenticated);
    expect(codeOf(() => run(PublicController, 'guarded', cityMember))).toBe(AuthErrorCode.Forbidden);
  });
});
