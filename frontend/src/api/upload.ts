import { accessToken, ApiError, refreshSession } from './client';

/** A file stored by the API for the agent to send (POST /api/uploads). */
export interface Upload {
  id: string;
  type: string;
  mimeType: string;
  filename: string | null;
  size: number;
  sha256: string;
}

export interface Uploading {
  done: Promise<Upload>;
  abort: () => void;
}

/**
 * Uploads one file with XMLHttpRequest, whose upload events report progress (fetch has none): `onProgress` hears the
 * share sent (0–1). A 401 refreshes the session once and starts again; a refusal is an ApiError with the server's
 * problem (413 too large, 415 type, 400), a network failure ApiError status 0; abort() rejects with an AbortError.
 */
export function uploadFile(file: File, onProgress: (share: number) => void): Uploading {
  let xhr: XMLHttpRequest | null = null;
  let aborted = false;

  const attempt = (token: string) =>
    new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      if (aborted) return reject(new DOMException('The upload was cancelled.', 'AbortError'));
      const request = new XMLHttpRequest();
      xhr = request;
      request.open('POST', '/api/uploads');
      if (token) request.setRequestHeader('authorization', `Bearer ${token}`);
      request.upload.onprogress = (e) => {
        if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
      };
      request.onload = () => {
        let body: unknown = {};
        try {
          body = request.responseText ? JSON.parse(request.responseText) : {};
        } catch {
          /* not JSON */
        }
        resolve({ status: request.status, body });
      };
      request.onerror = () => reject(new ApiError(0, { title: 'The server cannot be reached' }));
      request.onabort = () => reject(new DOMException('The upload was cancelled.', 'AbortError'));
      const form = new FormData();
      form.append('file', file, file.name);
      request.send(form);
    });

  const done = (async () => {
    let answer = await attempt(await accessToken());
    if (answer.status === 401 && !aborted) {
      const next = await refreshSession();
      if (next) {
        onProgress(0);
        answer = await attempt(next.accessToken);
      }
    }
    if (answer.status !== 201) throw new ApiError(answer.status, answer.body as Record<string, unknown>);
    onProgress(1);
    return answer.body as Upload;
  })();

  return {
    done,
    abort: () => {
      aborted = true;
      (xhr as XMLHttpRequest | null)?.abort();
    },
  };
}
