// What an IPC handler answers. Errors travel as data because Electron wraps a thrown
// error's message in "Error invoking remote method ..."; the preload rethrows `error` as is.
// Pure types: the preload imports this too.

export type IpcReply<T> = { ok: true; value: T } | { ok: false; error: string }
