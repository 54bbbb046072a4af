import { ServiceError } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { updateWithStartUnavailable } from '../../activities/temporal.js';

/** What @grpc/grpc-js rejects with, as the client wraps it. */
function grpcError(code: number, details: string): ServiceError {
  const cause = Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
  return new ServiceError('Update-With-Start failed', { cause });
}

describe('updateWithStartUnavailable', () => {
  it('is a server without ExecuteMultiOperation, or a namespace with it turned off', () => {
    expect(updateWithStartUnavailable(grpcError(12, 'unknown method ExecuteMultiOperation'))).toBe(true);
    expect(
      updateWithStartUnavailable(
        grpcError(7, 'PERMISSION_DENIED: ExecuteMultiOperation API is disabled on this namespace.'),
      ),
    ).toBe(true);
  });

  it('is not any other refusal: a real permission problem or an outage is the activity’s to retry', () => {
    expect(updateWithStartUnavailable(grpcError(7, 'PERMISSION_DENIED: Request unauthorized.'))).toBe(false);
    expect(updateWithStartUnavailable(grpcError(14, 'UNAVAILABLE: connection refused'))).toBe(false);
    expect(updateWithStartUnavailable(new Error('ExecuteMultiOperation'))).toBe(false);
    expect(updateWithStartUnavailable(undefined)).toBe(false);
  });
});
