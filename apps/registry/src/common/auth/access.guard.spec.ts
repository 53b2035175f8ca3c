import type { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ApiKeyService } from '../../api-keys/api-key.service.js';
import { AccessGuard } from './access.guard.js';
import { AuthError, AuthErrorCode } from './auth-error.js';
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

/** A guard whose key service answers every key with `principal`, or with `principal()`'s error. */
function setUp(principal: Principal | (() => never) = cityMember) {
  const authenticated: string[] = [];
  const apiKeys = {
    authenticate: async (header: string) => {
      authenticated.push(header);
      return typeof principal === 'function' ? principal() : principal;
    },
  } as unknown as ApiKeyService;
  const guard = new AccessGuard(new Reflector(), apiKeys);
  const run = (controller: new () => object, method: string, headers: Record<string, string> = {}) => {
    const request = { headers } as unknown as AuthenticatedRequest;
    const context = {
      getHandler: () => (controller.prototype as Record<string, unknown>)[method],
      getClass: () => controller,
      switchToHttp: () => ({ getRequest: () => request }),
    } as unknown as ExecutionContext;
    return { result: guard.canActivate(context), request };
  };
  return { run, authenticated };
}

async function codeOf(outcome: Promise<boolean>): Promise<string> {
  return outcome.then(
    (allowed) => `resolved ${allowed}`,
    (error: unknown) => (error instanceof AuthError ? error.code : `unexpected ${String(error)}`),
  );
}

const key = { authorization: 'Bearer plz_abcdefgh_key' };

describe('AccessGuard', () => {
  it('refuses a handler that declares no access rule, to anyone, without looking at the key', async () => {
    const { run, authenticated } = setUp({ ...cityMember, organisationKind: 'operator', roles: ['admin'] });
    expect(await codeOf(run(Undeclared, 'handler').result)).toBe(AuthErrorCode.Forbidden);
    expect(await codeOf(run(Undeclared, 'handler', key).result)).toBe(AuthErrorCode.Forbidden);
    expect(await codeOf(run(Declared, 'undeclared', key).result)).toBe(AuthErrorCode.Forbidden);
    expect(authenticated).toEqual([]);
  });

  it('lets anyone through a @Public handler with no key, and checks a key that is sent', async () => {
    const { run, authenticated } = setUp();
    expect(await run(Declared, 'open').result).toBe(true);
    const withKey = run(Declared, 'open', key);
    expect(await withKey.result).toBe(true);
    expect(withKey.request.principal).toEqual(cityMember);
    expect(authenticated).toEqual([key.authorization]);
  });

  it('asks for a key on an @Allow handler, and refuses one whose roles the permission table does not grant', async () => {
    expect(await codeOf(setUp().run(Declared, 'manage').result)).toBe(AuthErrorCode.Unauthenticated);
    expect(await setUp().run(Declared, 'manage', key).result).toBe(true);
    const vendor = setUp({ ...cityMember, organisationKind: 'vendor', roles: ['admin'] });
    expect(await codeOf(vendor.run(Declared, 'manage', key).result)).toBe(AuthErrorCode.Forbidden);
    const approver = setUp({ ...cityMember, roles: ['privacy-approver'] });
    expect(await codeOf(approver.run(Declared, 'manage', key).result)).toBe(AuthErrorCode.Forbidden);
  });

  it("reads a controller's rule for handlers without their own, and lets a handler's own rule win", async () => {
    expect(await setUp().run(PublicController, 'handler').result).toBe(true);
    expect(await codeOf(setUp().run(PublicController, 'guarded').result)).toBe(AuthErrorCode.Unauthenticated);
    expect(await codeOf(setUp().run(PublicController, 'guarded', key).result)).toBe(AuthErrorCode.Forbidden);
  });

  it('refuses a key that does not authenticate, on public and guarded handlers alike', async () => {
    const { run } = setUp(() => {
      throw new AuthError(AuthErrorCode.InvalidKey, 'unknown');
    });
    expect(await codeOf(run(Declared, 'open', key).result)).toBe(AuthErrorCode.InvalidKey);
    expect(await codeOf(run(Declared, 'manage', key).result)).toBe(AuthErrorCode.InvalidKey);
  });
});
