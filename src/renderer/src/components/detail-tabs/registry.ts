// The views of the selected connection, one per detail tab, chosen with <component :is>.
// A new view is a component here and a tab in stores/selection.ts.

import type { Component } from 'vue'
import type { DetailTab } from '../../stores/selection'
import ConversationView from './ConversationView.vue'
import FlowView from './FlowView.vue'
import HexView from './HexView.vue'
import HttpView from './HttpView.vue'
import TextView from './TextView.vue'
import WebSocketView from './WebSocketView.vue'
import ReplayView from '../replay/ReplayView.vue'

export const VIEWS: Record<DetailTab, Component> = {
  conversation: ConversationView,
  hex: HexView,
  text: TextView,
  http: HttpView,
  websocket: WebSocketView,
  flow: FlowView,
  replay: ReplayView
}
