// The message files of each part of the UI; add a part here when it gets its own file.

import common from './common'
import list from './list'
import detail from './detail'
import sessions from './sessions'
import documents from './documents'
import composer from './composer'
import bytes from './bytes'
import pictures from './pictures'
import http from './http'
import exchanges from './exchanges'
import frames from './frames'
import replay from './replay'
import replayHttp from './replay-http'
import replayRaw from './replay-raw'
import replayCapture from './replay-capture'
import replayParts from './replay-parts'
import tls from './tls'
import intervene from './intervene'
import start from './start'
import setups from './setups'

export const messageParts = [common, list, detail, sessions, documents, composer, bytes, pictures, exchanges, http, frames, replay, replayHttp, replayRaw, replayCapture, replayParts, tls, intervene, start, setups] as unknown as Array<{ en: Record<string, string>; 'zh-CN': Record<string, string> }>
