import { Action, isAllowed, PERMISSIONS } from './permissions.js';

describe('permission table', () => {
  it('grants nothing to a kind or role it does not name', () => {
    expect(isAllowed(Action.SourceManage, 'vendor', ['admin'])).toBe(false);
    expect(isAllowed(Action.OrganisationCreate, 'city', ['admin'])).toBe(false);
    expect(isAllowed(Action.MemberManage, 'city', ['member', 'privacy-approver'])).toBe(false);
  });
  it('grants an action when any of the roles is granted for the kind', () => {
    expect(isAllowed(Action.SourceManage, 'city', ['privacy-approver', 'member'])).toBe(true);
    expect(isAllowed(Action.OrganisationCreate, 'operator', ['admin'])).toBe(true);
  });
  it('has an entry for every action', () => {
    for (const action of Object.values(Action)) expect(PERMISSIONS[action]).toBeDefined();
  });
});
