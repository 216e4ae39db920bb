/** The typed API client: openapi-fetch over the Designer's OpenAPI, with the CSRF header. */
import createClient, { type Middleware } from "openapi-fetch";
import type { paths } from "./schema.gen";
import type { ErrorEnvelope } from "./types";

export const CSRF_COOKIE = "bms_csrf";
export const CSRF_HEADER = "X-CSRF-Token";

export function readCookie(name: string, cookie: string = document.cookie): string | null {
  for (const part of cookie.split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return decodeURIComponent(rest.join("="));
  }
  return null;
}

const SAFE = new Set(["GET", "HEAD", "OPTIONS"]);

/** Double submit: state-changing requests echo the bms_csrf cookie in X-CSRF-Token. */
const csrf: Middleware = {
  onRequest({ request }) {
    if (!SAFE.has(request.method)) {
      const token = readCookie(CSRF_COOKIE);
      if (token) request.headers.set(CSRF_HEADER, token);
    }
    return request;
  },
};

export const api = createClient<paths>({ baseUrl: "", credentials: "same-origin" });
api.use(csrf);

/** An API error with the server's envelope. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly envelope: ErrorEnvelope,
  ) {
    super(envelope.message);
  }
}

type Result<T> = { data?: T; error?: unknown; response: Response };

/** The failure of an openapi-fetch result as an ApiError with the server's envelope, or null. */
export function failureOf(result: { error?: unknown; response: Response }, fallback?: string): ApiError | null {
  if (result.error === undefined && result.response.ok) return null;
  const err = result.error as Partial<ErrorEnvelope> | undefined;
  return new ApiError(result.response.status, {
    code: err?.code ?? `http_${result.response.status}`,
    message: err?.message ?? fallback ?? (result.response.statusText || "request failed"),
    details: err?.details ?? null,
  });
}

/** The data of an openapi-fetch result, or an ApiError with the server's envelope. */
export function unwrap<T>(result: Result<T>): T {
  const failure = failureOf(result);
  if (failure) throw failure;
  return result.data as T;
}

/** What the server said went wrong, for a status line ("" when the request succeeded). */
export function errorMessage(result: { error?: unknown; response: Response }, fallback: string): string {
  return failureOf(result, fallback)?.message ?? "";
}

/** One field of the envelope's details object (e.g. a 409's currentRevision). */
export function detail(error: ApiError | null, key: string): unknown {
  const details = error?.envelope.details;
  return details && typeof details === "object" && !Array.isArray(details)
    ? (details as Record<string, unknown>)[key]
    : undefined;
}

/** Raw fetch for bodies openapi-fetch does not model (zip import/export). */
export async function rawFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  const method = (init.method ?? "GET").toUpperCase();
  if (!SAFE.has(method)) {
    const token = readCookie(CSRF_COOKIE);
    if (token) headers.set(CSRF_HEADER, token);
  }
  const response = await fetch(path, { ...init, headers, credentials: "same-origin" });
  if (!response.ok) {
    let envelope: ErrorEnvelope = { code: `http_${response.status}`, message: response.statusText };
    try {
      envelope = (await response.json()) as ErrorEnvelope;
    } catch {
      /* not JSON */
    }
    throw new ApiError(response.status, envelope);
  }
  return response;
}
