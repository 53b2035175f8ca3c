// The members feature's port: what other features may use. Everything else in this folder is internal.
export { MemberModule } from './member.module.js';
export { MemberService } from './member.service.js';
export { MEMBER_DIRECTORY, type MemberDirectory } from './member-directory.js';
export { MemberError, MemberErrorCode } from './member-error.js';
