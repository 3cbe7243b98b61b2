// User errors (bad flags, bad files) are printed as one message without a stack trace.

export class UserError extends Error {
  override name = 'UserError';
}

/** Library validation errors are plain Errors with a message meant for people; bugs are TypeErrors and the like. */
export function isUserFacing(e: unknown): e is Error {
  return e instanceof UserError || (e instanceof Error && e.constructor === Error);
}
