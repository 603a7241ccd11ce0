// One end of a connection as the operating system reported it: an IP address and port, or a
// Unix socket's path. Its own module so that formatting helpers can name it without
// importing the capture's types (and, through them, everything they name).

export type PeerAddress = { address: string; port: number; family: string } | { path: string }
