/** An error the user caused and can fix: its message is shown to them, its statusCode sent. */
export class AppError extends Error {
  override readonly name = 'AppError'
  constructor(
    message: string,
    readonly statusCode = 400,
    readonly code = 'bad_request',
  ) {
    super(message)
  }
}

export const notFound = (what: string) => new AppError(`${what} not found`, 404, 'not_found')
export const forbidden = (message = 'You do not have access to this page') => new AppError(message, 403, 'forbidden')
