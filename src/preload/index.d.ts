// What the preload adds to the page's window. Absent in web mode, where no preload runs.

import type { TcpscopeBridge } from './bridge'

declare global {
  interface Window {
    readonly tcpscope?: TcpscopeBridge
  }
}

export type { TcpscopeBridge }
