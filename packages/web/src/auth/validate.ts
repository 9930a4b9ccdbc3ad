import { PASSWORD_MAX, PASSWORD_MIN, USERNAME_PATTERN } from '@parley/protocol';

/** The protocol's own limits, checked before a round trip so the error names the field at once. */
export function registrationProblem(username: string, password: string): string | undefined {
  if (!USERNAME_PATTERN.test(username)) {
    return 'Username must be 3 to 32 characters: letters, digits, dots, dashes or underscores.';
  }
  if (password.length < PASSWORD_MIN) return `Password is too short: use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Password is too long: at most ${PASSWORD_MAX} characters.`;
  return undefined;
}
