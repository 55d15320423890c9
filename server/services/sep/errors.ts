/**
 * An error a SEP endpoint answers as `{error: message}` with this HTTP status; `fields` are added to
 * the body (SEP-24's 403 carries `type: "authentication_required"`).
 */
export class SepError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 503,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
    this.name = "SepError";
  }
}
