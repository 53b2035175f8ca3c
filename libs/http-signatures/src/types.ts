/** A header value as Node hands it over: repeated fields arrive as an array (or already joined with ", "). */
export type HeaderValue = string | readonly string[] | undefined;

/** An HTTP request as signed and as received. */
export interface HttpRequest {
  method: string;
  /** The absolute target URI (scheme, authority, path and query). */
  url: string;
  headers: Readonly<Record<string, HeaderValue>>;
  /** The body bytes exactly as sent or received. */
  body: Uint8Array;
}

/** Signature parameters in the order they are serialised: strings and integers only. */
export type SignatureParameters = Readonly<Record<string, string | number>>;
