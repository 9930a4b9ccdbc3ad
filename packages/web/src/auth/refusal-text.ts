import { RefusalReason } from '@parley/protocol';

/**
 * What the form says for a refusal the server told apart by its machine-readable `reason`
 * (never by its English message); undefined for a reason this app does not know.
 */
export function refusalText(reason: string | undefined): string | undefined {
  switch (reason) {
    case RefusalReason.registrationClosed:
      return 'This server does not take new accounts. Ask its administrator for one.';
    case RefusalReason.inviteRequired:
      return 'This server needs an invite code to register.';
    case RefusalReason.inviteInvalid:
      return 'That invite code is not valid. Check it for typos.';
    case RefusalReason.inviteExpired:
      return 'That invite code has expired. Ask for a new one.';
    case RefusalReason.inviteUsedUp:
      return 'That invite code has already been used.';
    case RefusalReason.usernameTaken:
      return 'That username is taken. Choose another one.';
    case RefusalReason.accountDisabled:
      return 'This account has been disabled by an administrator.';
    default:
      return undefined;
  }
}

/** The invite code a link carries (`/?invite=CODE`), if any. */
export function inviteFromUrl(search: string): string {
  return new URLSearchParams(search).get('invite')?.trim() ?? '';
}
