/** An error a SEP endpoint answers as `{error: message}` with this HTTP status. */
export class SepError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 503,
    message: string,
  ) {
    super(message);
    this.name = "SepError";
  }
}
