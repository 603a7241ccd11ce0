// The views of the selected connection, one per detail tab, chosen with <component :is>.
// A new view is a component here and a tab in features/connections/selection-store.ts.

import type { Component } from 'vue'
import type { DetailTab } from '../connections/selection-store'
import ConversationView from '../conversation/ConversationView.vue'
import FlowView from '../conversation/FlowView.vue'
import HexView from '../bytes/hex/HexView.vue'
import HttpView from '../http/HttpView.vue'
import TextView from '../bytes/text/TextView.vue'
import WebSocketView from '../websocket/WebSocketView.vue'
import FramesView from '../frames/FramesView.vue'
import MessagesView from '../messages/MessagesView.vue'
import ReplayView from '../replay/ReplayView.vue'
import TlsView from '../tls/TlsView.vue'

export const VIEWS: Record<DetailTab, Component> = {
  conversation: ConversationView,
  hex: HexView,
  text: TextView,
  http: HttpView,
  websocket: WebSocketView,
  frames: FramesView,
  messages: MessagesView,
  flow: FlowView,
  replay: ReplayView,
  tls: TlsView
}
