/** Words for why a private message could not go out, or a contact's key could not be had. */
export function describeDmError(error: { code: string; message: string; retryAfterMs?: number }, peer: string): string {
  switch (error.code) {
    case 'NOT_FOUND':
      // keys:get answers NOT_FOUND both for an unknown user and for one who never published a key.
      return /no such user/i.test(error.message)
        ? `There is no user called ${peer}`
        : `${peer} has no encryption key yet: they need to sign in to Parley once`;
    case 'FORBIDDEN':
      // A block, either way: the server does not say who blocked whom.
      return `${peer} and you cannot exchange private messages`;
    case 'TOO_LARGE':
      return 'Too long to send privately';
    case 'RATE_LIMITED':
      return error.message.includes('waiting')
        ? `${peer} has too many messages waiting; try again later`
        : `Slow down: try again in ${Math.ceil((error.retryAfterMs ?? 1000) / 1000)} s`;
    case 'UNAVAILABLE':
      return /off on this server/i.test(error.message)
        ? 'Private messages are turned off on this server'
        : 'The server did not answer';
    case 'BAD_REQUEST':
      return `The server refused it: ${error.message}`;
    default:
      return 'Something went wrong on the server';
  }
}
