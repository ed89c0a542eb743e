import { EmbargoError } from '@embargo/contracts';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * Aborts when the caller's connection closes before the answer is written, so an upstream
 * call nobody will read is cut rather than left to spend its retries and fallbacks.
 */
export function callerGone(
  req: FastifyRequest,
  reply: FastifyReply,
): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const res = reply.raw;
  // The response's 'close' also fires once it is sent; only an unfinished one means the
  // caller left (the request's own 'close' fires when its body has been read).
  const onClose = () => {
    if (!res.writableFinished)
      controller.abort(
        new EmbargoError(
          'client_closed',
          `The caller closed the connection before the answer (request id ${req.id}).`,
        ),
      );
  };
  if (res.destroyed || req.raw.socket.destroyed) onClose();
  else res.once('close', onClose);
  return { signal: controller.signal, dispose: () => res.off('close', onClose) };
}
