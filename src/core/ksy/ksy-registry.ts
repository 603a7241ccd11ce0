// The `.ksy` files loaded in this engine, by path: loading is async (a file is read and
// compiled), while a codec is asked for synchronously where bytes are cut (codecFor). So
// every place a `ksy:` framing comes in (--frame on a proxy or session, "decode as", a
// page of messages, a capture that remembers one) loads it first; codecFor then finds it.
// A file loaded again is read again: changed on disk, it compiles anew (ksy-compile.ts
// caches by content), and connections cut from then on use the new parser.

import type { FrameSpec } from '../../shared/message-types'
import type { MessageCodec } from '../protocols/messages/message-codec'
import { setKsyCodecs } from '../protocols/messages/message-decoders'
import type { CompiledKsy } from '../protocols/ksy/ksy-types'
import { ksyCodec } from '../protocols/ksy/ksy-codec'
import { compileKsyFile } from './ksy-compile'

const loaded = new Map<string, CompiledKsy>()

/** Loads the `.ksy` a framing names (nothing for other framings); a UserError in one line when it cannot be. */
export async function loadFraming(spec: FrameSpec | undefined): Promise<void> {
  if (spec?.kind !== 'ksy') return
  loaded.set(spec.path, await compileKsyFile(spec.path))
}

/** The codec of a loaded `ksy:` framing; undefined when its file was not loaded. */
export function ksyCodecFor(spec: Extract<FrameSpec, { kind: 'ksy' }>): MessageCodec | undefined {
  const ksy = loaded.get(spec.path)
  return ksy ? ksyCodec(spec, ksy) : undefined
}

// codecFor (the decoders' registry, which loads no files) finds `ksy:` codecs here once the engine has loaded this module.
setKsyCodecs(ksyCodecFor)
