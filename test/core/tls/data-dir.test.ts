// The data folder: TCPSCOPE_DATA_DIR first, else Electron's userData for tcpscope.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import { dataDir, electronUserData } from '../../../src/core/tls/data-dir'

describe('dataDir', () => {
  it('TCPSCOPE_DATA_DIR wins, made absolute', () => {
    expect(dataDir('/app/userData', { TCPSCOPE_DATA_DIR: '/tmp/x' })).toBe('/tmp/x')
    expect(dataDir(undefined, { TCPSCOPE_DATA_DIR: 'rel' })).toBe(resolve('rel'))
  })

  it('else the folder the app passes, else Electron\'s userData worked out', () => {
    expect(dataDir('/app/userData', {})).toBe('/app/userData')
    expect(dataDir(undefined, { TCPSCOPE_DATA_DIR: '' })).toBe(electronUserData(process.platform, { TCPSCOPE_DATA_DIR: '' }))
  })

  it('is where Electron puts userData for an app named tcpscope', () => {
    expect(electronUserData('linux', {}, '/home/u')).toBe('/home/u/.config/tcpscope')
    expect(electronUserData('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/tcpscope')
    expect(electronUserData('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Application Support/tcpscope')
    expect(electronUserData('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u')).toBe(join('C:\\Users\\u\\AppData\\Roaming', 'tcpscope'))
    expect(electronUserData('linux')).toBe(join(process.env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tcpscope'))
  })
})
