// Where tcpscope keeps what outlives a run (its CA): `TCPSCOPE_DATA_DIR` when set, else the
// folder Electron calls userData for an app named `tcpscope`, worked out here without
// Electron so the CLI and the app land in the same folder and a CA trusted once serves both.

import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

const APP_NAME = 'tcpscope'

/** Electron's `app.getPath('userData')` for tcpscope on this platform. */
export function electronUserData(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', APP_NAME)
  if (platform === 'win32') return join(env.APPDATA || join(home, 'AppData', 'Roaming'), APP_NAME)
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), APP_NAME)
}

/**
 * The data folder: `TCPSCOPE_DATA_DIR` when set, else `userData` (what the app passes, from
 * Electron itself), else Electron's folder worked out by electronUserData.
 */
export function dataDir(userData?: string, env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.TCPSCOPE_DATA_DIR
  if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv)
  return userData ?? electronUserData(process.platform, env)
}
