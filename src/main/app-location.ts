// Where the renderer page lives (the dev server, or the built index.html) and whether a URL
// is that page. The navigation guard and the IPC sender check both ask this one question.

import { pathToFileURL } from 'node:url'

export interface AppLocation {
  /** What the window loads. */
  readonly url: string
  /** True only for the app's own page; its hash and query may differ. */
  isAppUrl(url: string): boolean
}

const parse = (text: string): URL | undefined => {
  try {
    return new URL(text)
  } catch {
    return undefined
  }
}

/** The built page: only that one file, so another local file cannot pass for the app. */
export function fileLocation(indexHtmlPath: string): AppLocation {
  const page = pathToFileURL(indexHtmlPath)
  return {
    url: page.href,
    isAppUrl: (text) => {
      const u = parse(text)
      return u !== undefined && u.protocol === 'file:' && u.host === page.host && u.pathname === page.pathname
    }
  }
}

/** The dev server: any page of its origin, since Vite serves modules and HMR from it. */
export function devServerLocation(serverUrl: string): AppLocation {
  const server = parse(serverUrl)
  if (server === undefined || (server.protocol !== 'http:' && server.protocol !== 'https:')) {
    throw new Error(`the dev server URL must be http(s), got ${serverUrl}`)
  }
  return {
    url: server.href,
    isAppUrl: (text) => parse(text)?.origin === server.origin
  }
}

/**
 * The dev server only for an unpackaged app: a packaged one must never be pointed at
 * another page (with the whole engine API) by an environment variable.
 */
export function resolveAppLocation(opts: { packaged: boolean; devServerUrl?: string; indexHtmlPath: string }): AppLocation {
  return !opts.packaged && opts.devServerUrl ? devServerLocation(opts.devServerUrl) : fileLocation(opts.indexHtmlPath)
}
