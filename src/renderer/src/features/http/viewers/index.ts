// The body viewers, one per look (body-look.ts), chosen with <component :is>.

import type { Component } from 'vue'
import type { ViewerKind } from '../body-look'
import FormBody from './FormBody.vue'
import HexBody from './HexBody.vue'
import ImageBody from './ImageBody.vue'
import JsonBody from './JsonBody.vue'
import TextBody from './TextBody.vue'

export const BODY_VIEWERS: Record<ViewerKind, Component> = {
  json: JsonBody,
  text: TextBody,
  image: ImageBody,
  form: FormBody,
  hex: HexBody
}
