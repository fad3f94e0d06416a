// undici ends every `Connection: close` exchange by destroying the socket
// with an error of its own (InformationalError 'reset', code UND_ERR_INFO)
// that nobody sees: it is not a failure, the request has already completed.
// Building it captures a stack trace and node's stream destroy formats it:
// an eighth of an HTTP_GET check's CPU at 10,000 checks a second.
//
// So between the handler's last call (the response is complete) and
// undici's destroy of that socket, a few statements later in the same
// synchronous run, errors are made without a stack trace. The window is
// closed by the socket's destroy(), which undici calls right after making
// the error, and, should a future undici not destroy there, at the latest
// by a microtask at the end of the current run. Only that unseen error is
// made inside it; every failure a check reports keeps its stack.
import { Socket } from 'node:net';

let savedLimit: number | undefined;

/** Make errors without stack traces until this socket's destroy() (or the end of the current run). */
export function startQuietReset(): void {
  if (savedLimit !== undefined) return;
  savedLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  queueMicrotask(endQuietReset);
}

export function endQuietReset(): void {
  if (savedLimit === undefined) return;
  Error.stackTraceLimit = savedLimit;
  savedLimit = undefined;
}

/** Give `socket` the destroy() that closes the window (set on each socket the checks open). */
export function quietUntilDestroyed(socket: Socket): void {
  socket.destroy = destroyClosingWindow;
}

function destroyClosingWindow(this: Socket, err?: Error): Socket {
  endQuietReset();
  return Socket.prototype.destroy.call(this, err);
}
