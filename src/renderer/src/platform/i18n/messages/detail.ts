// The selected connection: tabs and the views inside them.
export default {
  en: {
    detail: {
      label: 'Selected connection',
      none: 'Select a connection to see its bytes.',
      tabs: 'Views',
      tab: { conversation: 'Conversation', hex: 'Hex', text: 'Text', http: 'HTTP', websocket: 'WebSocket', frames: 'H2 frames', messages: 'Messages', flow: 'Flow', replay: 'Replay', tls: 'TLS' },
      direction: 'Direction',
      dir: { client: 'client → server', server: 'server → client' },
      /** A message list's row: its direction in words, then its cells. */
      messageRow: '{dir}: {row}',
      bytes: '{n} B',
      summary: '#{id} {client} → {target}'
    }
  },
  'zh-CN': {
    detail: {
      label: '所选连接',
      none: '选择一个连接以查看其数据。',
      tabs: '视图',
      tab: { conversation: '会话', hex: '十六进制', text: '文本', http: 'HTTP', websocket: 'WebSocket', frames: 'H2 帧', messages: '消息', flow: '流程', replay: '重放', tls: 'TLS' },
      direction: '方向',
      dir: { client: '客户端 → 服务器', server: '服务器 → 客户端' },
      messageRow: '{dir}：{row}',
      bytes: '{n} 字节',
      summary: '#{id} {client} → {target}'
    }
  }
}
