/** A non-2xx answer of the admin API: its HTTP status and the `{"error": {"code", "message"}}` it carried. */
export class AdminApiError extends Error {
  constructor(
    /** The HTTP status, e.g. 401, 403, 404, 409. */
    readonly status: number,
    /** The API's error code (`unauthorized`, `forbidden`, `not_found`, ...), or `http_<status>` when the body had none. */
    readonly code: string,
    message: string,
    /** The URL that answered. */
    readonly url: string,
  ) {
    super(message);
    this.name = 'AdminApiError';
  }
}

/** The admin API could not be reached, timed out, or answered a 2xx that is not JSON. The message names the URL. */
export class AdminNetworkError extends Error {
  /** Always `network_error`, so that a caller can print every client error as `code: message`. */
  readonly code = 'network_error';

  constructor(
    /** The URL that was asked. */
    readonly url: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'AdminNetworkError';
  }
}
