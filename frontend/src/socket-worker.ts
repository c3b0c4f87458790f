// The socket worker's entry (bundled by Vite as assets/socket-worker.js):
// the real WebSocket and the worker's global scope, around
// `socket-worker-core.ts`.

import { serveSockets, type RawSocket, type WorkerScope } from './socket-worker-core';

serveSockets(self as unknown as WorkerScope, (url) => new WebSocket(url) as unknown as RawSocket);
