// Which viewer shows a body, from how the engine's body pipeline reads it (shared/body-type.ts,
// the one rule the engine, HAR and the views share): JSON pretty-printed only when the engine
// says the pretty view applies, XML and HTML (and SVG, which is XML) as their source text,
// never rendered, images and forms only when the whole body is here, and anything binary as
// hex rows.

import type { BodyKind, BodyType } from '../../../../shared/body-type'
import { WEB_NAMES } from '../../../../shared/text-encodings'
import type { TextEncodingName } from '../bytes/encodings'

export type ViewerKind = 'json' | 'text' | 'image' | 'form' | 'hex'

/** How a body is shown: by which viewer, as which media type, in which encoding. */
export interface BodyLook {
  viewer: ViewerKind
  /** The media type as sent ('' when none was). */
  media: string
  encoding: TextEncodingName
  /** A charset the views do not read: shown as UTF-8, and said so. */
  unknownCharset?: string
}

/** Kinds whose viewer needs the whole body before it shows anything. */
export const needsWhole = (kind: BodyKind): boolean => kind === 'json' || kind === 'image' || kind === 'form'

/**
 * The look of a body of `type`: `pretty` is the engine's word that the pretty view applies;
 * `whole` that every byte of it is here (an image or a form is shown only then).
 */
export function bodyLook(type: BodyType, facts: { pretty: boolean; whole: boolean }): BodyLook {
  const viewer = ((): ViewerKind => {
    switch (type.kind) {
      case 'json':
        return facts.pretty ? 'json' : 'text'
      case 'image':
        return facts.whole ? 'image' : 'hex'
      case 'form':
        return facts.whole ? 'form' : 'text'
      case 'binary':
        return 'hex'
      default:
        return 'text'
    }
  })()
  const encoding = type.encoding === undefined ? 'utf-8' : WEB_NAMES[type.encoding]
  return { viewer, media: type.media, encoding, ...(type.encoding === undefined ? { unknownCharset: type.charset } : {}) }
}
