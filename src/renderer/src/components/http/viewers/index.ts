// The body viewers, one per kind (body-type.ts), chosen with <component :is>.

import type { Component } from 'vue'
import type { BodyKind } from '../body-type'
import FormBody from './FormBody.vue'
import HexBody from './HexBody.vue'
import ImageBody from './ImageBody.vue'
import JsonBody from './JsonBody.vue'
import TextBody from './TextBody.vue'

export const BODY_VIEWERS: Record<BodyKind, Component> = {
  json: JsonBody,
  text: TextBody,
  source: TextBody,
  image: ImageBody,
  form: FormBody,
  hex: HexBody
}
